import { ESTIMATED_COST, type Exchange } from '@tollgate/core';
import { Counter, Histogram, type Registry } from 'prom-client';
import { LATENCY_BUCKETS, METRIC } from './metric-names.js';

type CounterChild = ReturnType<Counter<string>['labels']>;
type HistogramChild = ReturnType<Histogram<string>['labels']>;

/** Label children of one `format/provider/model` series, made on first use and kept. */
interface Series {
  readonly byStatus: Map<number, CounterChild>;
  readonly duration: HistogramChild;
  readonly ttfb: HistogramChild;
  readonly input: CounterChild;
  readonly output: CounterChild;
  readonly cached: CounterChild;
  readonly reasoning: CounterChild;
  readonly cacheWrite: CounterChild;
  readonly cost: CounterChild;
  readonly unpriced: CounterChild;
  readonly format: string;
  readonly provider: string;
  readonly model: string;
}

/** What `ToolCallDecision.outcome` is called in the `decision` label (the read API's words). */
const DECISION = { allowed: 'allow', blocked: 'block', stripped: 'strip' } as const;

/**
 * The per-exchange metrics: requests, latency, time to first byte, tokens, cost and tool-call
 * decisions. {@link record} runs once per exchange in an `onResponse` observer; it looks up cached
 * label children (one map lookup per series, one per status and per decision) and never builds a
 * label object on the hot path.
 */
export class ExchangeMetrics {
  readonly #requests: Counter<'format' | 'provider' | 'model' | 'status'>;
  readonly #duration: Histogram<'format' | 'provider' | 'model'>;
  readonly #ttfb: Histogram<'format' | 'provider' | 'model'>;
  readonly #tokens: Counter<'provider' | 'model' | 'type'>;
  readonly #cost: Counter<'provider' | 'model'>;
  readonly #unpriced: Counter<'provider' | 'model'>;
  readonly #toolCalls: Counter<'decision' | 'plugin'>;
  readonly #series = new Map<string, Series>();
  readonly #decisions = new Map<string, CounterChild>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.#requests = new Counter({ name: METRIC.requests, help: 'LLM API requests answered, by client API format, provider, model and HTTP status.', labelNames: ['format', 'provider', 'model', 'status'], registers });
    this.#duration = new Histogram({ name: METRIC.duration, help: 'Time from receiving an LLM API request to the end of its response, in seconds.', labelNames: ['format', 'provider', 'model'], buckets: [...LATENCY_BUCKETS], registers });
    this.#ttfb = new Histogram({ name: METRIC.ttfb, help: 'Time from receiving an LLM API request to the first byte of its response, in seconds.', labelNames: ['format', 'provider', 'model'], buckets: [...LATENCY_BUCKETS], registers });
    this.#tokens = new Counter({ name: METRIC.tokens, help: 'Tokens the providers reported, by type (input, output, cached, reasoning, cache_write).', labelNames: ['provider', 'model', 'type'], registers });
    this.#cost = new Counter({ name: METRIC.cost, help: 'Estimated cost of answered requests in US dollars (as a cost-estimating plugin set it).', labelNames: ['provider', 'model'], registers });
    this.#unpriced = new Counter({ name: METRIC.unpriced, help: 'Requests the provider answered without an estimated cost (no known price, or no cost plugin).', labelNames: ['provider', 'model'], registers });
    this.#toolCalls = new Counter({ name: METRIC.toolCalls, help: 'Tool calls decided, by decision (allow, block, strip) and the plugin that denied ("" when allowed).', labelNames: ['decision', 'plugin'], registers });
  }

  /** Counts one completed exchange. */
  record(e: Exchange): void {
    const s = this.#seriesOf(e.format, e.provider?.id ?? '', e.provider === undefined ? '' : e.model);
    let status = s.byStatus.get(e.status);
    if (status === undefined) {
      status = this.#requests.labels(s.format, s.provider, s.model, String(e.status));
      s.byStatus.set(e.status, status);
    }
    status.inc();
    s.duration.observe(e.timings.durationMs / 1000);
    if (e.timings.firstByteMs !== undefined) s.ttfb.observe(e.timings.firstByteMs / 1000);
    const u = e.usage;
    if (u.inputTokens > 0) s.input.inc(u.inputTokens);
    if (u.outputTokens > 0) s.output.inc(u.outputTokens);
    if (u.cachedTokens > 0) s.cached.inc(u.cachedTokens);
    if (u.reasoningTokens > 0) s.reasoning.inc(u.reasoningTokens);
    if (u.cacheWriteTokens > 0) s.cacheWrite.inc(u.cacheWriteTokens);
    const cost = e.state.get(ESTIMATED_COST);
    if (cost !== undefined && cost.dollars !== null && Number.isFinite(cost.dollars)) s.cost.inc(Math.max(0, cost.dollars));
    else if (e.upstreamStatus !== undefined && e.upstreamStatus < 400) s.unpriced.inc();
    for (const d of e.toolDecisions) {
      const key = `${d.outcome}\u0000${d.by ?? ''}`;
      let child = this.#decisions.get(key);
      if (child === undefined) {
        child = this.#toolCalls.labels(DECISION[d.outcome], d.outcome === 'allowed' ? '' : (d.by ?? ''));
        this.#decisions.set(key, child);
      }
      child.inc();
    }
  }

  #seriesOf(format: string, provider: string, model: string): Series {
    const key = `${format}\u0000${provider}\u0000${model}`;
    let s = this.#series.get(key);
    if (s === undefined) {
      const tokens = (type: string): CounterChild => this.#tokens.labels(provider, model, type);
      s = {
        format,
        provider,
        model,
        byStatus: new Map(),
        duration: this.#duration.labels(format, provider, model),
        ttfb: this.#ttfb.labels(format, provider, model),
        input: tokens('input'),
        output: tokens('output'),
        cached: tokens('cached'),
        reasoning: tokens('reasoning'),
        cacheWrite: tokens('cache_write'),
        cost: this.#cost.labels(provider, model),
        unpriced: this.#unpriced.labels(provider, model),
      };
      this.#series.set(key, s);
    }
    return s;
  }
}
