import type { EstimatedCost, Usage } from '@tollgate/core';
import type { ModelCostMapEntry } from './cost/model-cost-map.js';

/** Plugin name: config owner, tap name, log binding, decision `plugin` field. */
export const PLUGIN_NAME = 'quotas';

/**
 * The provider fields cost estimation reads: a subset of core's validated `ProviderConfig`
 * (`cost_basis` and `model_cost_map` are core's provider fields).
 */
export interface ProviderCostConfig {
  /** Upstream base URL (used by `auto_cost_basis` to recognise a vendor's API). */
  readonly baseurl?: string;
  /** Compatibility flags (default `{ openai_chat: true }`). */
  readonly compatibility?: Readonly<Record<string, boolean>>;
  /** Pricing source (`anthropic`, `openai`, `bedrock-eu`, ...). */
  readonly cost_basis?: string;
  /** Model remapping and price adjustment, first match wins. */
  readonly model_cost_map?: readonly ModelCostMapEntry[];
}

/** What `estimateCost` prices. */
export interface CostInput {
  /** Provider id (key of `providers`) the request went to. */
  readonly providerId: string;
  /** That provider's config. Keep the same object across calls: its compiled form is cached per object. */
  readonly providerConfig?: ProviderCostConfig;
  /** The provider's enabled compatibility flags, when known (else read from `providerConfig`). */
  readonly compatibility?: Iterable<string>;
  /** Model id as sent upstream (without a `provider/` prefix). */
  readonly model: string;
  /** Token usage of the exchange (input includes cached, output includes reasoning). */
  readonly usage: Usage;
  /** Top-level `auto_cost_basis`. @default true */
  readonly autoCostBasis?: boolean;
  /** When the exchange happened (some prices depend on the date or the time of day). @default now */
  readonly at?: Date | number;
}

/** Why an estimate has no price. */
export type UnpricedReason =
  /** No `cost_basis`, and `auto_cost_basis` is off or inferred nothing. */
  | 'no_cost_basis'
  /** `cost_basis` names a pricing source the price data does not have. */
  | 'unknown_cost_basis'
  /** The pricing source has no price for the model. */
  | 'unknown_model'
  /** The price data rejected the usage. */
  | 'price_error';

/** The cost estimate of one exchange. */
export interface CostEstimate {
  /** Estimated cost in US dollars (`nanodollars / 10⁹`); `null` when the model has no known price, never 0 for that. */
  readonly dollars: number | null;
  /** The same cost in integer nanodollars (what quotas charge); `null` when unpriced. */
  readonly nanodollars: number | null;
  /**
   * `"<cost basis>/<model>"` (`"anthropic/claude-sonnet-4-5"`): the pricing source and the price
   * data's id of the model priced. When unpriced, the source and model that were looked up;
   * `null` when no pricing source applied.
   */
  readonly costBasis: string | null;
  /** The usage priced, as recorded. */
  readonly usage: Usage;
  /** The `model_cost_map` adjustment applied (1 without one). */
  readonly adjustment: number;
  /** Why there is no price (absent when priced). */
  readonly unpriced?: UnpricedReason;
}

/**
 * `metadata.estimated_cost` of a hook payload (Aperture's shape): core's `EstimatedCost`, with
 * `dollars: null` for a model without a known price.
 */
export type EstimatedCostPayload = EstimatedCost;

/** One bucket of `metadata.quotas` (Aperture's shape): amounts in integer nanodollars. */
export interface QuotaBalancePayload {
  /** Balance after the refill up to now (negative after an overdraft). */
  readonly current: number;
  /** Capacity. */
  readonly capacity: number;
  /** Refill rate as text (`"$5.00/day"`). */
  readonly rate: string;
}
