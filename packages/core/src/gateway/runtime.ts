import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import { byteSizeValue } from '../config/core-schema.js';
import { durationMs } from '../config/duration.js';
import type { GatewayConfig } from '../config/gateway-config.js';
import type { PreparedPlugin } from '../config/prepare-config.js';
import type { SecretRegistry } from '../config/secret-registry.js';
import { TollgateError, errorMessage } from '../errors.js';
import { registerBuiltinFormats } from '../formats/builtin-formats.js';
import { FormatRegistry } from '../formats/format-registry.js';
import { openAiChatFormat } from '../formats/openai-chat/openai-chat-adapter.js';
import { type TollgateHooks, createHooks } from '../hooks/create-hooks.js';
import { type TapStatsTable, interceptTaps } from '../hooks/tap-interceptor.js';
import { PROBLEM_ENVELOPE } from '../http/problem-envelope.js';
import { PluginRoutes, RouteTable } from '../http/route-table.js';
import { writeApiError } from '../http/write-response.js';
import { tapBuiltinResolvers } from '../identity/builtin-resolvers.js';
import { type PipelineRuntime, type RuntimeLimits, serveLlmRequest } from '../pipeline/llm-request.js';
import type { PluginHost, TollgatePlugin } from '../plugins/plugin.js';
import { HttpUpstream } from '../providers/http-upstream.js';
import { MockUpstream } from '../providers/mock/mock-upstream.js';
import { ProviderRegistry, type UpstreamFactory } from '../providers/provider-registry.js';
import { controlPlaneRoutes } from '../routes/control-plane-routes.js';
import { healthRoutes } from '../routes/health-routes.js';
import { modelsRoutes } from '../routes/models-route.js';
import { apiError } from '../types/api-error.js';
import { CORE_VERSION } from '../version.js';

/** Dependencies shared by every runtime of a gateway. */
export interface RuntimeDeps {
  /** Root logger. */
  readonly logger: Logger;
  /** Secrets registry. */
  readonly secrets: SecretRegistry;
  /** Data directory. */
  readonly dataDir: string;
  /** Makes provider upstreams (default: undici pools, the mock for `mock://`). */
  readonly upstreamFactory?: UpstreamFactory;
  /** Tap statistics table shared across reloads. */
  readonly tapStats: TapStatsTable;
}

/** The default upstream factory: the mock for `mock://`, an undici pool otherwise. */
export function defaultUpstreamFactory(config: GatewayConfig): UpstreamFactory {
  const limits = config.limits;
  return (_id, provider, baseUrl) =>
    baseUrl.protocol === 'mock:'
      ? new MockUpstream()
      : new HttpUpstream(baseUrl.origin, {
          connections: provider.max_connections ?? 256,
          connectTimeoutMs: durationMs(limits.upstream_connect_timeout),
          headersTimeoutMs: durationMs(limits.upstream_headers_timeout),
          bodyTimeoutMs: durationMs(limits.upstream_idle_timeout),
        });
}

/**
 * Everything built from one configuration snapshot: hooks with the plugins applied, formats,
 * providers with their pools, and the router. Requests hold the runtime they started on, so a
 * reload swaps runtimes atomically and the old one drains before it closes.
 */
export class Runtime implements PipelineRuntime {
  /** The hooks, with every plugin applied (frozen). */
  readonly hooks: TollgateHooks;
  /** The configuration snapshot. */
  readonly config: GatewayConfig;
  /** API formats. */
  readonly formats: FormatRegistry;
  /** Providers and their pools. */
  readonly providers: ProviderRegistry;
  /** Root logger. */
  readonly logger: Logger;
  /** Limits, parsed. */
  readonly limits: RuntimeLimits;
  /** One access line per request. */
  readonly accessLog: boolean;
  /** The plugins applied. */
  readonly plugins: readonly TollgatePlugin[];
  /** Every route this runtime serves. */
  readonly routes: RouteTable;
  #inFlight = 0;
  #idleWaiters: Array<() => void> = [];
  #ready = false;
  #closed = false;

  private constructor(config: GatewayConfig, hooks: TollgateHooks, formats: FormatRegistry, providers: ProviderRegistry, plugins: TollgatePlugin[], pluginRoutes: PluginRoutes, logger: Logger) {
    this.config = config;
    this.hooks = hooks;
    this.formats = formats;
    this.providers = providers;
    this.plugins = plugins;
    this.logger = logger;
    this.accessLog = config.logging.access_log;
    this.limits = {
      maxBodyBytes: byteSizeValue(config.limits.max_body_size),
      maxResponseBytes: byteSizeValue(config.limits.max_response_size),
      maxEventBytes: byteSizeValue(config.limits.max_event_size),
      maxJsonDepth: config.limits.max_json_depth,
    };
    const coreRoutes = [...modelsRoutes(hooks, providers), ...healthRoutes(hooks, () => this.#ready)];
    const controlPlane = controlPlaneRoutes(hooks, providers);
    this.routes = new RouteTable(
      formats.all(),
      [...coreRoutes.map((route) => ({ owner: 'core', route, envelope: openAiChatFormat })), ...controlPlane.map((route) => ({ owner: 'core', route, envelope: PROBLEM_ENVELOPE })), ...pluginRoutes.freeze()],
      (req, res, target, adapter) => serveLlmRequest(req, res, target, adapter, this),
      this,
    );
  }

  /**
   * Builds a runtime: creates and applies every plugin (collecting all failures), registers
   * formats, opens provider pools and runs `ready`. Throws `TG_ERR_PLUGIN` listing every plugin
   * that failed; nothing is left open then.
   */
  static async create(config: GatewayConfig, prepared: readonly PreparedPlugin[], deps: RuntimeDeps): Promise<Runtime> {
    const hooks = createHooks();
    interceptTaps(hooks, deps.logger, deps.tapStats);
    const formats = new FormatRegistry();
    registerBuiltinFormats(formats);
    tapBuiltinResolvers(hooks, config.identity);
    const instances: TollgatePlugin[] = [];
    let providers: ProviderRegistry | undefined;
    let applying = 'core';
    const routes = new PluginRoutes(() => applying);
    const host: PluginHost = {
      hooks,
      config,
      logger: deps.logger,
      formats,
      routes,
      get providers(): ProviderRegistry {
        if (providers === undefined) throw new TollgateError('TG_ERR_GATEWAY_STATE', 'providers are available once every plugin is applied (use them in ready or in request hooks)');
        return providers;
      },
      dataDir: deps.dataDir,
      coreVersion: CORE_VERSION,
      secrets: deps.secrets,
    };
    const failures: string[] = [];
    for (const p of prepared) {
      let instance: TollgatePlugin | undefined = p.instance;
      if (instance === undefined && p.definition !== undefined) {
        try {
          instance = p.definition.create(p.options, {
            config,
            sections: p.sections,
            logger: deps.logger.child({ plugin: p.name }),
            dataDir: deps.dataDir,
            secrets: deps.secrets,
          });
        } catch (err) {
          failures.push(`plugins.${p.name}: create failed: ${errorMessage(err)}`);
          continue;
        }
      }
      if (instance === undefined) continue;
      instances.push(instance);
    }
    for (const instance of instances) {
      applying = instance.name;
      try {
        instance.apply(host);
      } catch (err) {
        failures.push(`plugins.${instance.name}: apply failed: ${errorMessage(err)}`);
      }
    }
    if (failures.length > 0) throw new TollgateError('TG_ERR_PLUGIN', `plugins failed to start:\n  ${failures.join('\n  ')}`);
    formats.freeze();
    providers = new ProviderRegistry(config.providers, deps.upstreamFactory ?? defaultUpstreamFactory(config), formats.all());
    Object.freeze(hooks);
    let runtime: Runtime;
    try {
      runtime = new Runtime(config, hooks, formats, providers, instances, routes, deps.logger);
    } catch (err) {
      await providers.close();
      throw new TollgateError('TG_ERR_PLUGIN', `plugins failed to start:\n  ${errorMessage(err)}`, { cause: err });
    }
    try {
      await hooks.ready.promise({});
      runtime.#ready = true;
    } catch (err) {
      await runtime.close().catch(() => undefined);
      throw new TollgateError('TG_ERR_PLUGIN', `a plugin failed while starting: ${errorMessage(err)}`, { cause: err });
    }
    return runtime;
  }

  /** Requests being served by this runtime. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Koa middleware entry: serves one request from the route table, counting it in flight. */
  dispatch(ctx: Context, next: Next): Promise<void> {
    return this.#track(this.routes.middleware(ctx, next));
  }

  /**
   * Serves `POST` to a literal LLM route path (`/v1/chat/completions`, `/v1/messages`, …, query
   * string allowed) straight from node:http, counting it in flight; returns `false`, having done
   * nothing, for any other request. The handler is the one the router runs for the same path, so
   * the answer is the same either way; this path skips Koa's per-request context, request and
   * response objects and the router's regular expressions, the largest fixed cost left per call.
   */
  serveDirect(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'POST') return false;
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const adapter = this.routes.llmRoute(path);
    if (adapter === undefined) return false;
    const target = { method: 'POST', path, querystring: q === -1 ? '' : url.slice(q + 1), params: {} };
    this.#track(serveLlmRequest(req, res, target, adapter, this)).catch((err: unknown) => {
      // serveLlmRequest answers its own failures; this is a bug's last line of defence.
      this.logger.error({ err }, 'unhandled request error');
      if (res.headersSent) res.destroy();
      else writeApiError(res, adapter, apiError('internal', 'internal gateway error'));
    });
    return true;
  }

  async #track(work: Promise<unknown>): Promise<void> {
    this.#inFlight++;
    try {
      await work;
    } finally {
      if (--this.#inFlight === 0) {
        const waiters = this.#idleWaiters;
        this.#idleWaiters = [];
        for (const w of waiters) w();
      }
    }
  }

  /** Resolves `true` when no request is in flight, or `false` after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.#inFlight === 0) return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
      this.#idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Runs `close` taps and closes provider pools (once). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.hooks.close.promise();
    } catch (err) {
      this.logger.error({ err }, 'a plugin failed while closing');
    }
    await this.providers.close();
  }
}
