/**
 * @tollgate/plugin-metrics: Prometheus metrics for tollgate at `GET /metrics`: requests, latency,
 * time to first byte, tokens, cost, tool-call decisions, hook deliveries, component health and
 * process metrics. Loaded by default.
 */
import { type PluginDefinition, definePlugin } from '@tollgate/core';
import { MetricsPlugin, PLUGIN_NAME } from './plugin.js';
import { type MetricsOptions, MetricsOptionsSchema } from './schema.js';

/** The plugin definition core loads (`"plugins": ["metrics"]`, or by default). */
export const metricsPlugin: PluginDefinition<MetricsOptions> = definePlugin<MetricsOptions>({
  name: PLUGIN_NAME,
  options: MetricsOptionsSchema,
  core: '^0.1.0',
  create: (options) => new MetricsPlugin(options),
});

export default metricsPlugin;

export { MetricsPlugin, PLUGIN_NAME, READ_METRICS } from './plugin.js';
export { METRIC, LATENCY_BUCKETS } from './metric-names.js';
export { processMetricsRegistry } from './process-registry.js';
export { MetricsOptionsSchema, type MetricsOptions } from './schema.js';
