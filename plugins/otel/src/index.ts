/**
 * @tollgate/plugin-otel: OpenTelemetry tracing for tollgate with the GenAI semantic conventions:
 * a span per exchange and per tool-call decision, W3C `traceparent` to the provider and with hook
 * deliveries. Not loaded by default: name `"otel"` in `plugins`.
 */
import { otelPlugin } from './plugin.js';

export default otelPlugin;
export { otelPlugin as plugin, otelPlugin, defineOtelPlugin, OtelPlugin } from './plugin.js';
export { OtelOptionsSchema, type OtelOptions } from './schema.js';
export { ATTR, operationName, providerName } from './gen-ai.js';
export * from './types.js';
