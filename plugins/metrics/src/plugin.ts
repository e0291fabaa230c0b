import { type PluginDefinition, type PluginHost, STAGE_OBSERVE, type TollgatePlugin, collectHealth, definePlugin } from '@tollgate/core';
import { readWebhookStats } from '@tollgate/plugin-webhook';
import { Registry } from 'prom-client';
import { ExchangeMetrics } from './exchange-metrics.js';
import { processMetricsRegistry } from './process-registry.js';
import { type MetricsOptions, MetricsOptionsSchema } from './schema.js';
import { ScrapeMetrics } from './scrape-metrics.js';
import { PLUGIN_NAME, READ_METRICS } from './types.js';

/**
 * Prometheus metrics: counts every exchange in an `onResponse` observer (which reads no response
 * body, so streams stay unbuffered) into a registry of its own (one per runtime: nothing goes to
 * prom-client's global registry), and serves them with the process metrics at `GET /metrics`
 * through core's route extension point, for role `admin` or the `read_metrics` capability.
 */
export class MetricsPlugin implements TollgatePlugin {
  /** Tap name, log binding, config key. */
  readonly name = PLUGIN_NAME;
  /** This runtime's registry (process metrics are served beside it, from one shared registry). */
  readonly registry = new Registry();
  readonly #options: MetricsOptions;

  constructor(options: MetricsOptions) {
    this.#options = options;
  }

  /** Taps `onResponse` (stage observe) and adds the metrics route. */
  apply(host: PluginHost): void {
    const exchanges = new ExchangeMetrics(this.registry);
    const scrape = new ScrapeMetrics(this.registry);
    host.hooks.onResponse.tap({ name: this.name, stage: STAGE_OBSERVE, response: 'declared' }, (exchange) => exchanges.record(exchange));
    const processRegistry = this.#options.process_metrics ? processMetricsRegistry() : undefined;
    host.routes.add({
      method: 'GET',
      path: this.#options.path,
      access: this.#options.public ? 'public' : { capability: READ_METRICS },
      handler: async (ctx) => {
        scrape.update({ components: await collectHealth(host.hooks), hooks: readWebhookStats(host) });
        const own = await this.registry.metrics();
        ctx.type = this.registry.contentType;
        ctx.body = processRegistry === undefined ? own : `${own}\n${await processRegistry.metrics()}`;
      },
    });
  }
}

/** The plugin definition core loads (`"plugins": ["metrics"]`, or by default). */
export const metricsPlugin: PluginDefinition<MetricsOptions> = definePlugin<MetricsOptions>({
  name: PLUGIN_NAME,
  options: MetricsOptionsSchema,
  core: '^0.1.0',
  create: (options) => new MetricsPlugin(options),
});
