import { resolve } from 'node:path';
import { type Exchange, type PluginHost, type RequestContext, STAGE_GUARDRAIL, STAGE_OBSERVE, TollgateError, type TollgatePlugin, byteSizeValue } from '@tollgate/core';
import { effectiveCapabilities } from '@tollgate/plugin-grants';
import { type WebhookContribution, contributedEndpoints, withContributedWiring } from './contributions.js';
import { DeliveryService, exchangeCompleted } from './delivery/delivery-service.js';
import { resolveEndpoint, resolveEndpoints } from './endpoint.js';
import { getWebhookHooks } from './extension-hooks.js';
import { sharedHookDispatcher } from './http-transport.js';
import { type ResolvedEndpoint, SYSTEM_CLOCK } from './internal-types.js';
import { runPreRequestChain } from './pre-request-chain.js';
import { keepSentResponseParts } from './payload.js';
import type { HookEndpointConfig, HooksConfig, WebhookOptions } from './schema.js';
import { existingSpoolRoot } from './spool/process-registry.js';
import type { HookStats, WebhookHooks, WebhookPluginDeps } from './types.js';

/** Tap name, log binding and config key of the webhook plugin. */
export const PLUGIN_NAME = 'webhook';

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
  #service: DeliveryService | undefined;
  #stats: (() => Record<string, HookStats>) | undefined;
  readonly #contributions: WebhookContribution[] = [];
  readonly #contributed = new Map<string, { readonly plugin: string; readonly config: HookEndpointConfig }>();
  #host: PluginHost | undefined;
  #endpoints: Map<string, ResolvedEndpoint> | undefined;
  #started = false;

  constructor(hooks: HooksConfig, options: WebhookOptions, deps: WebhookPluginDeps = {}) {
    this.#hooksConfig = hooks;
    this.#options = options;
    this.#deps = deps;
  }

  /** The extension hooks of a runtime (see {@link getWebhookHooks}). */
  static getHooks(host: Pick<PluginHost, 'hooks'>): WebhookHooks {
    return getWebhookHooks(host);
  }

  /**
   * Taps `onRequest`, `onResponse`, `ready` and `close` when some hook is configured and enabled,
   * or another plugin contributed endpoints or wiring ({@link contribute}).
   */
  apply(host: PluginHost): void {
    const rootDir = resolve(host.dataDir, this.#options.spool.dir);
    this.#stats = () => existingSpoolRoot(rootDir)?.stats() ?? {};
    this.#host = host;
    const active = Object.entries(this.#hooksConfig).filter(([, h]) => !h.disabled);
    if (active.length === 0 && this.#contributions.length === 0) return;
    this.#activate(host, rootDir);
  }

  /**
   * Adds hook endpoints and per-request wiring on behalf of another plugin (see
   * {@link WebhookContribution}). Call it from your plugin's `apply`, in any plugin order
   * (`host.plugin<WebhookPlugin>('webhook')?.contribute({...})`); after the gateway is ready it
   * throws `TG_ERR_PLUGIN`. Invalid endpoints or taken names throw `TG_ERR_PLUGIN_CONFIG`.
   */
  contribute(contribution: WebhookContribution): void {
    // Core freezes the hooks once every plugin is applied: later contributions would miss `ready`.
    if (this.#started || (this.#host !== undefined && Object.isFrozen(this.#host.hooks))) throw new TollgateError('TG_ERR_PLUGIN', `plugin "${contribution.plugin}": webhook contributions are taken in apply, before the gateway is ready`);
    const added = contributedEndpoints(contribution, (name) => (Object.hasOwn(this.#hooksConfig, name) ? 'the hooks section' : this.#contributed.has(name) ? `plugin "${this.#contributed.get(name)?.plugin}"` : undefined));
    this.#contributions.push(contribution);
    for (const [name, config] of added) this.#contributed.set(name, { plugin: contribution.plugin, config });
    const host = this.#host;
    if (host === undefined) return; // `apply` picks it up
    if (this.#endpoints === undefined) this.#activate(host, resolve(host.dataDir, this.#options.spool.dir));
    else for (const [name, config] of added) this.#addEndpoint(host, this.#endpoints, name, config);
  }

  #addEndpoint(host: PluginHost, endpoints: Map<string, ResolvedEndpoint>, name: string, config: HookEndpointConfig): void {
    if (!config.disabled) {
      host.secrets.add(config.apikey);
      host.secrets.add(config.signing_secret);
    }
    endpoints.set(name, resolveEndpoint(name, config, this.#options.delivery.concurrency));
  }

  #activate(host: PluginHost, rootDir: string): void {
    for (const [, h] of Object.entries(this.#hooksConfig).filter(([, x]) => !x.disabled)) {
      host.secrets.add(h.apikey);
      host.secrets.add(h.signing_secret);
    }
    const extension = getWebhookHooks(host);
    const log = host.logger.child({ plugin: this.name });
    const clock = this.#deps.clock ?? SYSTEM_CLOCK;
    const endpoints = resolveEndpoints(this.#hooksConfig, this.#options.delivery.concurrency);
    for (const [name, { config }] of this.#contributed) this.#addEndpoint(host, endpoints, name, config);
    this.#endpoints = endpoints;
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
    this.#service = service;
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
    host.hooks.ready.tapPromise(this.name, () => {
      this.#started = true;
      return service.start();
    });
    host.hooks.close.tapPromise(this.name, () => service.close());
    host.hooks.onRequest.tapPromise({ name: this.name, stage: STAGE_GUARDRAIL }, async (ctx: RequestContext) => {
      const caps = withContributedWiring(effectiveCapabilities(ctx), ctx, this.#contributions);
      if (caps === undefined || caps.hooks.size === 0) return undefined;
      keepSentResponseParts(ctx, caps, extension.shapePayload.isUsed());
      return runPreRequestChain(ctx, caps, preRequest);
    });
    host.hooks.onResponse.tapPromise({ name: this.name, stage: STAGE_OBSERVE, response: 'declared' }, async (exchange: Exchange) => {
      if (!exchangeCompleted(exchange)) return;
      const caps = withContributedWiring(effectiveCapabilities(exchange), exchange, this.#contributions);
      if (caps === undefined || caps.hooks.size === 0) return;
      service.enqueue(exchange, caps);
    });
  }

  /** Per-hook delivery counters of this process (empty before `apply`). */
  stats(): Record<string, HookStats> {
    return this.#stats?.() ?? {};
  }

  /** The spool directory in use (`undefined` when no hook is active). */
  get spoolDir(): string | undefined {
    return this.#service?.root;
  }
}

/**
 * Per-hook delivery counters (sent, failed, retried, dropped, queue depth, last error, `pre_request`
 * outcomes) of this process, for other plugins (`webhookStats(host)` in a `ready` tap or a request
 * hook) and for code holding a gateway or runtime (`webhookStats(gateway)`). `undefined` when the
 * webhook plugin is not loaded. For the spool on disk and other processes, see `readWebhookSpool`.
 */
export function webhookStats(source: Pick<PluginHost, 'plugin'> | { readonly plugins: readonly TollgatePlugin[] }): Record<string, HookStats> | undefined {
  const plugin = 'plugin' in source ? source.plugin(PLUGIN_NAME) : source.plugins.find((p) => p.name === PLUGIN_NAME);
  return plugin instanceof WebhookPlugin ? plugin.stats() : undefined;
}
