import type { PluginHost } from '@tollgate/core';
import type { CaptureStats } from './types.js';

const byRuntime = new WeakMap<object, () => CaptureStats | undefined>();

/** Publishes the capture plugin's counters for its runtime (called by the plugin in `apply`). */
export function publishCaptureStats(host: Pick<PluginHost, 'hooks'>, stats: () => CaptureStats | undefined): void {
  byRuntime.set(host.hooks, stats);
}

/**
 * The capture plugin's counters for the runtime of `host`, for other plugins (a metrics plugin
 * reads them at scrape time, like webpack's `getCompilationHooks`): `undefined` when the capture
 * plugin is not loaded in this runtime, or before its store is open.
 *
 * ```ts
 * apply(host) {
 *   host.routes.add({ method: 'GET', path: '/metrics', access: { capability: 'read_metrics' },
 *     handler: (ctx) => { const s = captureStatsOf(host); ctx.body = render(s?.writer.dropped ?? 0); } });
 * }
 * ```
 */
export function captureStatsOf(host: Pick<PluginHost, 'hooks'>): CaptureStats | undefined {
  return byRuntime.get(host.hooks)?.();
}
