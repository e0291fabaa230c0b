import type { PluginHost } from '@tollgate/core';
import { AsyncSeriesWaterfallHook, SyncBailHook } from 'tapable';
import type { ShapeContext, TransportTarget, WebhookHooks, WebhookTransport } from './types.js';

const byRuntime = new WeakMap<object, WebhookHooks>();

/** Builds a fresh set of webhook extension hooks (tests make their own). */
export function createWebhookHooks(): WebhookHooks {
  return Object.freeze({
    shapePayload: new AsyncSeriesWaterfallHook<[unknown, ShapeContext]>(['body', 'context'], 'webhook.shapePayload'),
    transport: new SyncBailHook<[TransportTarget], WebhookTransport | undefined>(['target'], 'webhook.transport'),
  });
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
  let hooks = byRuntime.get(host.hooks);
  if (hooks === undefined) {
    hooks = createWebhookHooks();
    byRuntime.set(host.hooks, hooks);
  }
  return hooks;
}
