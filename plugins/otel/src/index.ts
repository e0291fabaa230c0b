/**
 * @tollgate/plugin-otel: OpenTelemetry tracing for tollgate with the GenAI semantic conventions:
 * a span per exchange and per tool-call decision, W3C `traceparent` to the provider and with hook
 * deliveries. Not loaded by default: name `"otel"` in `plugins`.
 */
import { type PluginDefinition, definePlugin } from '@tollgate/core';
import { type OtelPluginDeps, OtelPlugin, PLUGIN_NAME } from './plugin.js';
import { type OtelOptions, OtelOptionsSchema } from './schema.js';

/** The otel plugin with injected dependencies (a tracer provider, a propagator), for programmatic use and tests. */
export function defineOtelPlugin(deps: OtelPluginDeps = {}): PluginDefinition<OtelOptions> {
  return definePlugin<OtelOptions>({
    name: PLUGIN_NAME,
    options: OtelOptionsSchema,
    core: '^0.1.0',
    create: (options) => new OtelPlugin(options, deps),
  });
}

/** The plugin definition core loads (`"plugins": [..., "otel"]`): spans go to the global tracer provider. */
export const otelPlugin: PluginDefinition<OtelOptions> = defineOtelPlugin();

export default otelPlugin;

export { OtelPlugin, PLUGIN_NAME, type OtelPluginDeps } from './plugin.js';
export { ATTR, operationName, providerName } from './gen-ai.js';
export { OtelOptionsSchema, type OtelOptions } from './schema.js';
