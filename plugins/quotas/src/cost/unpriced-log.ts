import type { PluginHost } from '@tollgate/core';
import type { Clock } from '../quota/token-bucket.js';
import type { CostEstimate } from '../types.js';

interface Seen {
  /** Unpriced exchanges since the last warning. */
  count: number;
  /** When the last warning was written. */
  warnedAt: number;
}

/** Most models tracked at once (a flood of invented model names must not grow memory). */
const MAX_MODELS = 1_000;

/**
 * Warns about exchanges whose model has no known price, **rate-limited per model**: the first
 * one at once, then at most one line per `intervalMs` per `provider/model`, saying how many were
 * unpriced since the previous line. Also counts every unpriced exchange.
 */
export class UnpricedLog {
  readonly #log: Pick<PluginHost['logger'], 'warn'>;
  readonly #intervalMs: number;
  readonly #clock: Clock;
  readonly #seen = new Map<string, Seen>();
  #total = 0;

  constructor(log: Pick<PluginHost['logger'], 'warn'>, intervalMs: number, clock: Clock) {
    this.#log = log;
    this.#intervalMs = intervalMs;
    this.#clock = clock;
  }

  /** Unpriced exchanges noted so far. */
  get total(): number {
    return this.#total;
  }

  /** Notes one unpriced exchange of `model` on `provider`; `quiet` counts it without a warning (the built-in mock LLM). */
  note(provider: string, model: string, estimate: CostEstimate, quiet = false): void {
    this.#total++;
    if (quiet) return;
    const key = `${provider}/${model}`;
    const now = this.#clock();
    let seen = this.#seen.get(key);
    if (seen === undefined) {
      if (this.#seen.size >= MAX_MODELS) this.#seen.clear();
      seen = { count: 0, warnedAt: Number.NEGATIVE_INFINITY };
      this.#seen.set(key, seen);
    }
    seen.count++;
    if (now - seen.warnedAt < this.#intervalMs) return;
    this.#log.warn(
      { provider, model, costBasis: estimate.costBasis, reason: estimate.unpriced, unpriced: seen.count },
      'model has no known price: its exchanges are counted as unpriced (cost null), not $0; set the provider\'s cost_basis or model_cost_map',
    );
    seen.count = 0;
    seen.warnedAt = now;
  }
}
