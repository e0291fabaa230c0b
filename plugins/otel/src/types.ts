import type { TextMapPropagator, TracerProvider } from '@opentelemetry/api';

/** Tap name, log binding and config key of the otel plugin. */
export const PLUGIN_NAME = 'otel';

/** Injectable dependencies (tests pass an SDK provider with an in-memory exporter). */
export interface OtelPluginDeps {
  /** Where spans go (default: the global provider an OpenTelemetry SDK registered; none: no-op). */
  readonly tracerProvider?: TracerProvider;
  /** How trace context is read from clients and written upstream and to hooks (default: W3C Trace Context). */
  readonly propagator?: TextMapPropagator;
}
