import { type ComponentHealth, CORE_VERSION } from '@tollgate/core';
import type { HookStats } from '@tollgate/plugin-webhook';
import { Counter, Gauge, type Registry } from 'prom-client';
import { METRIC } from './metric-names.js';

/** What a scrape reads, gathered just before the registry is serialised. */
export interface ScrapeSources {
  /** Components reported by `checkHealth` taps. */
  readonly components: readonly ComponentHealth[];
  /** Webhook counters per hook (absent: the webhook plugin is not loaded). */
  readonly hooks: Readonly<Record<string, HookStats>> | undefined;
}

/**
 * Metrics read on each scrape rather than counted per request: component health (`checkHealth`)
 * and the webhook plugin's delivery counters and gauges, which it keeps itself.
 */
export class ScrapeMetrics {
  #sources: ScrapeSources = { components: [], hooks: undefined };

  constructor(registry: Registry) {
    const registers = [registry];
    const current = (): ScrapeSources => this.#sources;
    new Gauge({ name: METRIC.info, help: 'Always 1; the version of @tollgate/core in its label.', labelNames: ['version'], registers }).set({ version: CORE_VERSION }, 1);
    new Gauge({
      name: METRIC.componentUp,
      help: 'Whether a component reported by a plugin works (1) or not (0): capture_store, quota_store, ...',
      labelNames: ['component'],
      registers,
      collect() {
        this.reset();
        for (const c of current().components) this.set({ component: c.component }, c.up ? 1 : 0);
      },
    });
    // Cumulative values the webhook plugin keeps: reset and set to the source's value on each scrape.
    const counter = (name: string, help: string, read: (s: HookStats) => number): void => {
      new Counter({
        name,
        help,
        labelNames: ['hook'],
        registers,
        collect() {
          this.reset();
          for (const [hook, stats] of Object.entries(current().hooks ?? {})) this.inc({ hook }, read(stats));
        },
      });
    };
    const gauge = (name: string, help: string, read: (s: HookStats) => number): void => {
      new Gauge({
        name,
        help,
        labelNames: ['hook'],
        registers,
        collect() {
          this.reset();
          for (const [hook, stats] of Object.entries(current().hooks ?? {})) this.set({ hook }, read(stats));
        },
      });
    };
    counter(METRIC.hookDelivered, 'Hook deliveries the receiver accepted (2xx), all events, since the process started.', (s) => s.sent);
    counter(METRIC.hookFailed, 'Hook deliveries given up (non-retryable answer, too old, unusable URL, failed pre_request call).', (s) => s.failed);
    counter(METRIC.hookRetried, 'Hook delivery attempts that were retries.', (s) => s.retried);
    counter(METRIC.hookDropped, 'Hook events dropped because the queue or the spool was full.', (s) => s.dropped);
    gauge(METRIC.hookQueueDepth, 'Post-response hook deliveries waiting or in flight.', (s) => s.queueDepth);
    gauge(METRIC.hookInFlight, 'Hook deliveries in flight now.', (s) => s.inFlight);
    gauge(METRIC.hookSpoolBytes, 'Bytes this process holds in the hook spool.', (s) => s.spoolBytes);
    new Counter({
      name: METRIC.hookPreRequest,
      help: 'pre_request hook outcomes: allow, block, modify, fail_open, fail_closed.',
      labelNames: ['hook', 'outcome'],
      registers,
      collect() {
        this.reset();
        for (const [hook, stats] of Object.entries(current().hooks ?? {})) {
          const p = stats.preRequest;
          for (const [outcome, value] of [['allow', p.allowed], ['block', p.blocked], ['modify', p.modified], ['fail_open', p.failedOpen], ['fail_closed', p.failedClosed]] as const) this.inc({ hook, outcome }, value);
        }
      },
    });
  }

  /** Sets what the next serialisation of the registry reads. */
  update(sources: ScrapeSources): void {
    this.#sources = sources;
  }
}
