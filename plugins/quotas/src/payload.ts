import type { Usage } from '@tollgate/core';
import type { BucketLimits, BucketState } from './quota/token-bucket.js';
import type { CostEstimate, EstimatedCostPayload, QuotaBalancePayload } from './types.js';

/** Hook-payload usage (`input_tokens` includes cached tokens, `output_tokens` reasoning tokens). */
export function usagePayload(usage: Usage): EstimatedCostPayload['usage'] {
  const out = {
    input_tokens: usage.inputTokens,
    output_tokens: usage.outputTokens,
    cached_tokens: usage.cachedTokens,
    reasoning_tokens: usage.reasoningTokens,
  };
  return usage.cacheWriteTokens > 0 ? { ...out, cache_write_tokens: usage.cacheWriteTokens } : out;
}

/**
 * `metadata.estimated_cost` for hooks whose `send` lists `estimated_cost`, in Aperture's shape:
 * `{"dollars": 0.0342, "cost_basis": "anthropic/claude-sonnet-4-5", "usage": {"input_tokens",
 * "output_tokens", "cached_tokens", "reasoning_tokens"}}`. An unpriced model has `dollars: null`.
 */
export function estimatedCostPayload(estimate: CostEstimate): EstimatedCostPayload {
  return { dollars: estimate.dollars, cost_basis: estimate.costBasis, usage: usagePayload(estimate.usage) };
}

/** One bucket for {@link quotasPayload}: its name, limits and state (after the charge). */
export interface QuotaPayloadEntry {
  /** Bucket name (templates filled). */
  readonly name: string;
  /** Its limits. */
  readonly limits: BucketLimits;
  /** Its state. */
  readonly state: BucketState;
}

/** One bucket of `metadata.quotas`: `{current, capacity}` in integer nanodollars, `rate` as text. */
export function quotaBalancePayload(limits: BucketLimits, state: BucketState): QuotaBalancePayload {
  return { current: state.balance, capacity: limits.capacity, rate: limits.rate.text };
}

/**
 * `metadata.quotas` for hooks whose `send` lists `quotas`, in Aperture's shape: bucket name →
 * `{"current": 5000000000, "capacity": 10000000000, "rate": "$5.00/day"}`.
 */
export function quotasPayload(entries: Iterable<QuotaPayloadEntry>): Record<string, QuotaBalancePayload> {
  // fromEntries defines own properties, so a bucket named `__proto__` stays data.
  return Object.fromEntries(Array.from(entries, (e) => [e.name, quotaBalancePayload(e.limits, e.state)]));
}
