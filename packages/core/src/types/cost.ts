import { type StateKey, createStateKey } from './state-key.js';

/** An exchange's estimated cost, as Aperture's hooks carry it (`metadata.estimated_cost`). */
export interface EstimatedCost {
  /** Estimated cost in US dollars. */
  readonly dollars: number;
  /** `source/model` whose prices were used (`anthropic/claude-sonnet-4-5`). */
  readonly cost_basis: string;
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
 * Request-state key the cost-estimating plugin sets (on the request's state, which the exchange
 * shares) once the answer's usage is known; hooks whose `send` lists `estimated_cost` carry it, the
 * capture store records it. Absent when the model has no known price.
 */
export const ESTIMATED_COST: StateKey<EstimatedCost> = createStateKey<EstimatedCost>('tollgate.estimated-cost');

/** Request-state key the quota plugin sets with the balances of the buckets charged for a request. */
export const QUOTA_BALANCES: StateKey<Readonly<Record<string, QuotaBalance>>> = createStateKey<Readonly<Record<string, QuotaBalance>>>('tollgate.quota-balances');
