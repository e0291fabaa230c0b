import { type ModelPricing, type ProviderConfig, type Usage, emptyUsage } from '@tollgate/core';
import { NANODOLLARS_PER_DOLLAR } from '../money/money.js';
import type { CostEstimate } from '../types.js';
import { estimateCost } from './estimate-cost.js';

/** Tokens priced to derive a per-million price (below every long-context tier, exact to $0.00001 per million). */
const PROBE_TOKENS = 100_000;
const PER_MTOK = 1_000_000 / PROBE_TOKENS;

const usageOf = (fields: Partial<Usage>): Usage => ({ ...emptyUsage(), ...fields });
const INPUT_PROBE = usageOf({ inputTokens: PROBE_TOKENS });
const OUTPUT_PROBE = usageOf({ outputTokens: PROBE_TOKENS });
const CACHED_PROBE = usageOf({ inputTokens: PROBE_TOKENS, cachedTokens: PROBE_TOKENS });
const NO_USAGE = emptyUsage();

/**
 * Costs for one configuration: the `providers` section (each provider's `cost_basis` and
 * `model_cost_map`, core's fields) and the top-level `auto_cost_basis`. Provider configs are the
 * configuration's own frozen objects, so their compiled cost settings are cached per object.
 */
export class CostEstimator {
  readonly #providers: Readonly<Record<string, ProviderConfig>>;
  readonly #autoCostBasis: boolean;

  constructor(providers: Readonly<Record<string, ProviderConfig>>, autoCostBasis: boolean) {
    this.#providers = providers;
    this.#autoCostBasis = autoCostBasis;
  }

  /** The cost of `usage` of `model` (as sent upstream) on provider `providerId`, at `at`. */
  estimate(providerId: string, model: string, usage: Usage, at?: number): CostEstimate {
    return estimateCost({ providerId, providerConfig: this.#providers[providerId], model, usage, autoCostBasis: this.#autoCostBasis, ...(at === undefined ? {} : { at }) });
  }

  /**
   * True when `providerId` is the built-in mock LLM (`mock://`) with no `cost_basis`: its models
   * have no price list, and nobody asked to price them, so their unpriced exchanges need no warning.
   */
  isUnpricedMock(providerId: string): boolean {
    const provider = this.#providers[providerId];
    return provider !== undefined && provider.baseurl.startsWith('mock:') && provider.cost_basis === undefined;
  }

  /** True when `model` on `providerId` has a known price. */
  isPriced(providerId: string, model: string): boolean {
    return this.estimate(providerId, model, NO_USAGE).unpriced === undefined;
  }

  /**
   * Prices of `model` on `providerId` in dollars per million tokens (input, output, cached input),
   * with its `model_cost_map` adjustment; `undefined` when it has no known price.
   */
  pricing(providerId: string, model: string, at?: number): ModelPricing | undefined {
    const input = this.estimate(providerId, model, INPUT_PROBE, at);
    if (input.nanodollars === null) return undefined;
    const perMtok = (e: CostEstimate): number | undefined => (e.nanodollars === null ? undefined : (e.nanodollars * PER_MTOK) / NANODOLLARS_PER_DOLLAR);
    const output = perMtok(this.estimate(providerId, model, OUTPUT_PROBE, at));
    const cached = perMtok(this.estimate(providerId, model, CACHED_PROBE, at));
    return {
      inputPerMtok: perMtok(input) as number,
      ...(output === undefined ? {} : { outputPerMtok: output }),
      ...(cached === undefined ? {} : { cachedInputPerMtok: cached }),
      ...(input.costBasis === null ? {} : { costBasis: input.costBasis }),
    };
  }
}
