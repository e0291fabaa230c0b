import { Registry, collectDefaultMetrics } from 'prom-client';

let processRegistry: Registry | undefined;

/**
 * The registry of process metrics (`process_*`, `nodejs_*`), one per process: prom-client's
 * default collectors start an event-loop-delay monitor and a GC observer that are never stopped,
 * so they are set up once and shared by every runtime (config reloads, gateways in tests), never in
 * prom-client's global default registry.
 */
export function processMetricsRegistry(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}
