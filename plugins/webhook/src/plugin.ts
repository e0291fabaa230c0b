import { resolve } from 'node:path';
import { type Exchange, type PluginDefinition, type PluginHost, type RequestContext, STAGE_GUARDRAIL, STAGE_OBSERVE, type TollgatePlugin, byteSizeValue, capabilitiesOf, definePlugin } from '@tollgate/core';
import { collectContributedEndpoints, withContributedWiring } from './contributions.js';
import { DeliveryService, exchangeCompleted } from './delivery/delivery-service.js';
import { resolveEndpoint, resolveEndpoints } from './endpoint.js';
import { getWebhookHooks, markWebhookStarted } from './extension-hooks.js';
import { sharedHookDispatcher } from './http-transport.js';
import { type ResolvedEndpoint, SYSTEM_CLOCK } from './internal-types.js';
import { runPreRequestChain } from './pre-request-chain.js';
import { keepSentResponseParts } from './payload.js';
import { type HooksConfig, HooksSchema, type WebhookOptions, WebhookOptionsSchema } from './schema.js';
import { existingSpoolRoot } from './spool/process-registry.js';
import { type HookStats, PLUGIN_NAME, type WebhookHooks, type WebhookPluginDeps } from './types.js';
import { hookConfigIssues } from './warnings.js';

/**
 * Aperture's hooks: runs the `pre_request` chain in `onRequest` (stage guardrail, after grants)
 * and turns completed exchanges into `entire_request` / `tool_call_entire_request` deliveries,
 * queued, spooled to the data directory and retried, off the client's path. Which hooks fire, and
 * with what data, comes from the request's effective capabilities (the grants plugin).
 */
export class WebhookPlugin implements TollgatePlugin {
  /** Tap name, log binding, config key. */
  readonly name = PLUGIN_NAME;
  readonly #hooksConfig: HooksConfig;
  readonly #options: WebhookOptions;
  readonly #deps: WebhookPluginDeps;
  #stats: (() => Record<string, HookStats>) | undefined;

  constructor(hooks: HooksConfig, options: WebhookOptions, deps: WebhookPluginDeps = {}) {
    this.#hooksConfig = hooks;
    this.#options = options;
    this.#deps = deps;
  }

  /**
   * Taps `ready` and `close`. In `ready` it collects the endpoints other plugins add through the
   * extension hooks (see `contributeToWebhook`); when some hook is configured and enabled, or
   * another plugin adds endpoints or wiring, it starts delivering: taps `onRequest` (the
   * `pre_request` chain) and `onResponse` (post-response events). Otherwise it costs nothing.
   */
  apply(host: PluginHost): void {
    const rootDir = resolve(host.dataDir, this.#options.spool.dir);
    this.#stats = () => existingSpoolRoot(rootDir)?.stats() ?? {};
    const extension = getWebhookHooks(host);
    let service: DeliveryService | undefined;
    host.hooks.ready.tapPromise(this.name, async () => {
      markWebhookStarted(host);
      const endpoints = this.#endpoints(host, extension);
      if (![...endpoints.values()].some((e) => !e.config.disabled) && !extension.wire.isUsed()) return;
      service = this.#activate(host, extension, endpoints, rootDir);
      await service.start();
    });
    host.hooks.close.tapPromise(this.name, async () => service?.close());
  }

  /** Configured (disabled ones included; callers skip them) and contributed endpoints; secrets registered with the logger. */
  #endpoints(host: PluginHost, extension: WebhookHooks): Map<string, ResolvedEndpoint> {
    const contributed = collectContributedEndpoints(extension, (name) => Object.hasOwn(this.#hooksConfig, name));
    const endpoints = resolveEndpoints(this.#hooksConfig, this.#options.delivery.concurrency);
    for (const [name, config] of contributed) endpoints.set(name, resolveEndpoint(name, config, this.#options.delivery.concurrency));
    for (const { config } of endpoints.values()) {
      if (config.disabled) continue;
      host.secrets.add(config.apikey);
      host.secrets.add(config.signing_secret);
    }
    return endpoints;
  }

  #activate(host: PluginHost, extension: WebhookHooks, endpoints: Map<string, ResolvedEndpoint>, rootDir: string): DeliveryService {
    const log = host.logger.child({ plugin: this.name });
    const clock = this.#deps.clock ?? SYSTEM_CLOCK;
    const userAgent = `tollgate/${host.coreVersion}`;
    const service = new DeliveryService({
      endpoints,
      options: this.#options,
      root: rootDir,
      hooks: extension,
      log,
      clock,
      userAgent,
      dispatcher: this.#deps.dispatcher ?? sharedHookDispatcher(),
    });
    this.#stats = () => service.stats();
    const preRequest = {
      endpoints,
      hooks: extension,
      counters: (hook: string) => service.counters(hook),
      userAgent,
      maxReplyBytes: byteSizeValue(host.config.limits.max_body_size) + 64 * 1024,
      clock,
      pluginName: this.name,
    };
    host.hooks.onRequest.tapPromise({ name: this.name, stage: STAGE_GUARDRAIL }, async (ctx: RequestContext) => {
      const caps = withContributedWiring(capabilitiesOf(ctx), ctx, extension);
      if (caps === undefined || caps.hooks.size === 0) return undefined;
      keepSentResponseParts(ctx, caps, extension.shapePayload.isUsed());
      return runPreRequestChain(ctx, caps, preRequest);
    });
    host.hooks.onResponse.tapPromise({ name: this.name, stage: STAGE_OBSERVE, response: 'declared' }, async (exchange: Exchange) => {
      if (!exchangeCompleted(exchange)) return;
      const caps = withContributedWiring(capabilitiesOf(exchange), exchange, extension);
      if (caps === undefined || caps.hooks.size === 0) return;
      service.enqueue(exchange, caps);
    });
    return service;
  }

  /** Per-hook delivery counters of this process (empty before `apply`). */
  stats(): Record<string, HookStats> {
    return this.#stats?.() ?? {};
  }
}

/**
 * Per-hook delivery counters (sent, failed, retried, dropped, queue depth, last error, `pre_request`
 * outcomes) of this process, for code holding a gateway or runtime (`webhookStats(gateway)`);
 * `undefined` when the webhook plugin is not loaded. For the spool on disk and other processes, see
 * `readWebhookSpool`.
 */
export function webhookStats(source: { readonly plugins: readonly TollgatePlugin[] }): Record<string, HookStats> | undefined {
  const plugin = source.plugins.find((p) => p.name === PLUGIN_NAME);
  return plugin instanceof WebhookPlugin ? plugin.stats() : undefined;
}

/**
 * The webhook plugin definition with injected dependencies (an undici dispatcher, for a proxy or a
 * test double; a clock), for programmatic use: `createGateway({ plugins: ['grants',
 * defineWebhookPlugin({ dispatcher })] })`. Config, options and checks are those of the default.
 */
export function defineWebhookPlugin(deps: WebhookPluginDeps = {}): PluginDefinition<WebhookOptions> {
  return definePlugin<WebhookOptions>({
    name: PLUGIN_NAME,
    options: WebhookOptionsSchema,
    sections: { hooks: HooksSchema },
    core: '^0.1.0',
    check: ({ sections, plugins }) => hookConfigIssues(sections.hooks as HooksConfig, plugins),
    create: (options, { sections }) => new WebhookPlugin(sections.hooks as HooksConfig, options, deps),
  });
}

/**
 * The plugin definition core loads (`"plugins": ["webhook"]`, or by default). Owns the `hooks`
 * section; options: `spool` and `delivery` (see the README).
 */
export const webhookPlugin: PluginDefinition<WebhookOptions> = defineWebhookPlugin();
