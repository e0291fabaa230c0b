import type { IncomingMessage, ServerResponse } from 'node:http';
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import { byteSizeValue } from '../config/core-schema.js';
import { durationMs } from '../config/duration.js';
import type { GatewayConfig } from '../config/gateway-config.js';
import type { PreparedPlugin } from '../config/prepare-config.js';
import type { SecretRegistry } from '../config/secret-registry.js';
import { TollgateError, errorMessage } from '../errors.js';
import { registerBuiltinFormats } from '../formats/builtin-formats.js';
import type { FormatAdapter } from '../formats/format-adapter.js';
import { FormatRegistry } from '../formats/format-registry.js';
import { openAiErrorBody } from '../formats/openai-chat/openai-chat-adapter.js';
import { type ObserverTapOptions, type TollgateHooks, createHooks } from '../hooks/create-hooks.js';
import { type TapStatsTable, interceptTaps } from '../hooks/tap-interceptor.js';
import { writeApiError } from '../http/write-response.js';
import { tapBuiltinResolvers } from '../identity/builtin-resolvers.js';
import { type PipelineRuntime, type RuntimeLimits, handleLlmRequest } from '../pipeline/handle-llm-request.js';
import type { PluginHost, TollgatePlugin } from '../plugins/plugin.js';
import { HttpUpstream } from '../providers/http-upstream.js';
import { MockUpstream } from '../providers/mock/mock-upstream.js';
import { ProviderRegistry, type UpstreamFactory } from '../providers/provider-registry.js';
import { handleModels } from '../routes/models-route.js';
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
  readonly hooks: TollgateHooks;
  readonly config: GatewayConfig;
  readonly formats: FormatRegistry;
  readonly providers: ProviderRegistry;
  readonly logger: Logger;
  readonly limits: RuntimeLimits;
  readonly accessLog: boolean;
  readonly plugins: readonly TollgatePlugin[];
  readonly #middleware: (ctx: Context, next: Next) => Promise<unknown>;
  /** LLM routes whose pattern is a literal path, served without Koa (see {@link serveDirect}). */
  readonly #literalRoutes = new Map<string, FormatAdapter>();
  #inFlight = 0;
  #idleWaiters: Array<() => void> = [];
  #closed = false;

  private constructor(config: GatewayConfig, hooks: TollgateHooks, formats: FormatRegistry, providers: ProviderRegistry, plugins: TollgatePlugin[], logger: Logger) {
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
    this.#middleware = this.#buildRouter();
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
    const host: PluginHost = {
      hooks,
      config,
      logger: deps.logger,
      formats,
      get providers(): ProviderRegistry {
        if (providers === undefined) throw new TollgateError('TG_ERR_GATEWAY_STATE', 'providers are available once every plugin is applied (use them in ready or in request hooks)');
        return providers;
      },
      dataDir: deps.dataDir,
      coreVersion: CORE_VERSION,
      secrets: deps.secrets,
      plugin: <T extends TollgatePlugin>(name: string) => instances.find((p) => p.name === name) as T | undefined,
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
      try {
        instance.apply(host);
      } catch (err) {
        failures.push(`plugins.${instance.name}: apply failed: ${errorMessage(err)}`);
      }
    }
    if (failures.length > 0) throw new TollgateError('TG_ERR_PLUGIN', `plugins failed to start:\n  ${failures.join('\n  ')}`);
    formats.freeze();
    providers = new ProviderRegistry(config.providers, deps.upstreamFactory ?? defaultUpstreamFactory(config), formats.names());
    Object.freeze(hooks);
    const runtime = new Runtime(config, hooks, formats, providers, instances, deps.logger);
    try {
      await hooks.ready.promise({});
    } catch (err) {
      await runtime.close().catch(() => undefined);
      throw new TollgateError('TG_ERR_PLUGIN', `a plugin failed while starting: ${errorMessage(err)}`, { cause: err });
    }
    return runtime;
  }

  /** What `onResponse` taps read of a stream; computed on each read, as a plugin may tap `onResponse` late (in `ready`). */
  get responseObservers(): 'none' | 'declared' | 'all' {
    const observers = this.hooks.onResponse.taps as ReadonlyArray<ObserverTapOptions>;
    if (observers.length === 0) return 'none';
    return observers.every((t) => t.response === 'declared') ? 'declared' : 'all';
  }

  /** Requests being served by this runtime. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Koa middleware entry: serves one request, counting it in flight. */
  dispatch(ctx: Context, next: Next): Promise<void> {
    return this.#track(this.#middleware(ctx, next));
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
    const adapter = this.#literalRoutes.get(path);
    if (adapter === undefined) return false;
    const target = { method: 'POST', path, querystring: q === -1 ? '' : url.slice(q + 1), params: {} };
    this.#track(handleLlmRequest(req, res, target, adapter, this)).catch((err: unknown) => {
      // handleLlmRequest answers its own failures; this is a bug's last line of defence.
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

  #buildRouter(): (ctx: Context, next: Next) => Promise<unknown> {
    const router = new Router();
    const postPaths = new Map<string, FormatAdapter>();
    for (const adapter of this.formats.all()) {
      for (const path of adapter.paths) {
        router.post(path, (ctx) => {
          ctx.respond = false;
          return handleLlmRequest(ctx.req, ctx.res, { method: ctx.method, path: ctx.path, querystring: ctx.querystring, params: ctx.params }, adapter, this);
        });
        postPaths.set(path, adapter);
        if (!/[:*(]/.test(path)) this.#literalRoutes.set(path, adapter);
      }
    }
    for (const path of ['/v1/models', '/models']) router.get(path, (ctx) => handleModels(ctx, this.hooks, this.providers, this.logger, this.accessLog));
    router.get('/healthz', (ctx) => {
      ctx.body = { status: 'ok', version: CORE_VERSION };
    });
    const routes = router.routes();
    const matchers = [...postPaths].map(([path, adapter]) => ({ adapter, re: pathPattern(path) }));
    return async (ctx, next) => {
      await routes(ctx as Parameters<typeof routes>[0], next);
      if (ctx.respond === false || ctx.body !== undefined || ctx.status !== 404) return;
      const match = matchers.find((m) => m.re.test(ctx.path));
      ctx.respond = false;
      if (match !== undefined) {
        writeApiError(ctx.res, match.adapter, apiError('method_not_allowed', `${ctx.method} is not allowed on ${ctx.path}; use POST`, { headers: { allow: 'POST' } }));
      } else if (ctx.path === '/v1/models' || ctx.path === '/models' || ctx.path === '/healthz') {
        writeApiError(ctx.res, { errorBody: openAiErrorBody }, apiError('method_not_allowed', `${ctx.method} is not allowed on ${ctx.path}; use GET`, { headers: { allow: 'GET, HEAD' } }));
      } else {
        writeApiError(ctx.res, { errorBody: openAiErrorBody }, apiError('not_found', `no route for ${ctx.method} ${ctx.path}`, { code: 'unknown_url' }));
      }
    };
  }
}

/** A regular expression for a router path pattern (`:param` = one segment). */
function pathPattern(path: string): RegExp {
  const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z_][A-Za-z0-9_]*/g, '[^/]+');
  return new RegExp(`^${escaped}/?$`);
}
