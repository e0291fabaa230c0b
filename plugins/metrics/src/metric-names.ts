/**
 * Names of the metrics the plugin exports (Prometheus conventions: `tollgate_` prefix, base units,
 * `_total` for counters). Each is documented in the README with its type and labels.
 */
export const METRIC = {
  info: 'tollgate_info',
  requests: 'tollgate_requests_total',
  duration: 'tollgate_request_duration_seconds',
  ttfb: 'tollgate_time_to_first_byte_seconds',
  tokens: 'tollgate_tokens_total',
  cost: 'tollgate_cost_dollars_total',
  unpriced: 'tollgate_unpriced_requests_total',
  toolCalls: 'tollgate_tool_calls_total',
  componentUp: 'tollgate_component_up',
  hookDelivered: 'tollgate_hook_deliveries_total',
  hookFailed: 'tollgate_hook_delivery_failures_total',
  hookRetried: 'tollgate_hook_delivery_retries_total',
  hookDropped: 'tollgate_hook_events_dropped_total',
  hookQueueDepth: 'tollgate_hook_queue_depth',
  hookInFlight: 'tollgate_hook_deliveries_in_flight',
  hookSpoolBytes: 'tollgate_hook_spool_bytes',
  hookPreRequest: 'tollgate_hook_pre_request_total',
} as const;

/** Buckets of the latency histograms (seconds): LLM calls take from tens of milliseconds to minutes. */
export const LATENCY_BUCKETS: readonly number[] = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
