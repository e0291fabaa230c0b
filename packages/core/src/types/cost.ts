import { type StateKey, createStateKey } from './state-key.js';

/**
 * An exchange's estimated cost, as Aperture's hooks carry it (`metadata.estimated_cost`). A model
 * without a known price is **unpriced**: `dollars` is `null` (never 0), and `cost_basis` names
 * where the price was looked for (`openai/mock-1`), or is `null` when no pricing source applied.
 */
export interface EstimatedCost {
  /** Estimated cost in US dollars; `null` when the model has no known price. */
  readonly dollars: number | null;
  /** `source/model` whose prices were used (`anthropic/claude-sonnet-4-5`); `null` when no pricing source applied. */
  readonly cost_basis: string | null;
  /** Token counts the estimate is based on. */
  readonly usage: {
    readonly input_tokens: number;
    readonly output_tokens: number;
    readonly cached_tokens: number;
    readonly reasoning_tokens: number;
    readonly [field: string]: number;
  };
}

/** One quota bucket's state (`metadata.quotas[bucket]`), amounts in integer nanodollars. */
export interface QuotaBalance {
  /** Amount left (may be negative after an expensive answer). */
  readonly current: number;
  /** Bucket size. */
  readonly capacity: number;
  /** Refill rate as configured (`"$5.00/day"`). */
  readonly rate: string;
}

/**
 * Request-state key the cost-estimating plugin (`quotas`) sets in the `settle` hook, on the
 * exchange's state, for every exchange the provider answered: hooks whose `send` lists
 * `estimated_cost` carry it, the capture store records it, metrics count it. Three cases for an
 * observer: absent (nothing estimated: no such plugin, or the provider never answered), `dollars`
 * a number (priced), `dollars: null` (**unpriced**: the model has no known price; count it as
 * such, never as $0).
 */
export const ESTIMATED_COST: StateKey<EstimatedCost> = createStateKey<EstimatedCost>('tollgate.estimated-cost');

/**
 * Request-state key the quota plugin sets with the balances of the buckets a request is charged
 * to: after charging (in `settle`), or as read when it refused the request (429).
 */
export const QUOTA_BALANCES: StateKey<Readonly<Record<string, QuotaBalance>>> = createStateKey<Readonly<Record<string, QuotaBalance>>>('tollgate.quota-balances');
