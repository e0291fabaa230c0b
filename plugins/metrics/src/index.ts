/**
 * @tollgate/plugin-metrics: Prometheus metrics for tollgate at `GET /metrics`: requests, latency,
 * time to first byte, tokens, cost, tool-call decisions, hook deliveries, component health and
 * process metrics. Loaded by default.
 */
import { metricsPlugin } from './plugin.js';

export default metricsPlugin;
export { metricsPlugin as plugin, metricsPlugin, MetricsPlugin } from './plugin.js';
export { MetricsOptionsSchema, type MetricsOptions } from './schema.js';
export { METRIC, LATENCY_BUCKETS } from './metric-names.js';
export { processMetricsRegistry } from './process-registry.js';
export * from './types.js';
