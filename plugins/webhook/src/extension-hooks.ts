import { type HookWiring, type PluginHost, TollgateError } from '@tollgate/core';
import { AsyncSeriesWaterfallHook, SyncBailHook, SyncHook, SyncWaterfallHook } from 'tapable';
import type { EndpointRegistry, ShapeContext, TransportTarget, WebhookHooks, WebhookTransport, WiringSubject } from './types.js';

interface RuntimeHooks {
  readonly hooks: WebhookHooks;
  started: boolean;
}

const byRuntime = new WeakMap<object, RuntimeHooks>();

/** Builds a fresh set of webhook extension hooks (tests make their own). */
export function createWebhookHooks(): WebhookHooks {
  return Object.freeze({
    shapePayload: new AsyncSeriesWaterfallHook<[unknown, ShapeContext]>(['body', 'context'], 'webhook.shapePayload'),
    transport: new SyncBailHook<[TransportTarget], WebhookTransport | undefined>(['target'], 'webhook.transport'),
    endpoints: new SyncHook<[EndpointRegistry]>(['registry'], 'webhook.endpoints'),
    wire: new SyncWaterfallHook<[readonly HookWiring[], WiringSubject]>(['wirings', 'subject'], 'webhook.wire'),
  });
}

function entryOf(host: Pick<PluginHost, 'hooks'>): RuntimeHooks {
  let entry = byRuntime.get(host.hooks);
  if (entry === undefined) {
    entry = { hooks: createWebhookHooks(), started: false };
    byRuntime.set(host.hooks, entry);
  }
  return entry;
}

/**
 * The webhook extension hooks of a runtime, like webpack's `getCompilationHooks`: call it in your
 * plugin's `apply` and tap. Works whether your plugin is applied before or after the webhook
 * plugin (both get the same hooks for the same runtime); a config reload makes new ones.
 *
 * ```ts
 * apply(host) {
 *   getWebhookHooks(host).shapePayload.tap('my-plugin', (body, ctx) => (ctx.hook.name === 'slack' ? { text: summary(ctx.data) } : body));
 * }
 * ```
 */
export function getWebhookHooks(host: Pick<PluginHost, 'hooks'>): WebhookHooks {
  return entryOf(host).hooks;
}

/**
 * Marks a runtime's webhook hooks as started (the webhook plugin collected endpoints and wiring):
 * later contributions would be missed, so {@link assertNotStarted} refuses them.
 */
export function markWebhookStarted(host: Pick<PluginHost, 'hooks'>): void {
  entryOf(host).started = true;
}

/** Throws `TG_ERR_PLUGIN` when the webhook plugin of this runtime already started. */
export function assertNotStarted(host: Pick<PluginHost, 'hooks'>, plugin: string): void {
  if (entryOf(host).started) throw new TollgateError('TG_ERR_PLUGIN', `plugin "${plugin}": webhook contributions are taken in apply, before the gateway is ready`);
}
