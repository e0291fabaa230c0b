import { NANODOLLARS_PER_DOLLAR } from '../money/money.js';
import type { CostEstimate, CostInput, ProviderCostConfig, UnpricedReason } from '../types.js';
import { DEFAULT_COMPATIBILITY, costBasisSource, inferCostBases } from './cost-basis.js';
import { type CompiledCostMapEntry, compileModelCostMap, mapModelCost } from './model-cost-map.js';
import { findPricedModel, priceOf } from './price-data.js';

/** A provider's cost settings, compiled once per config object. */
interface CompiledProviderCost {
  readonly costBasis: string | undefined;
  readonly costMap: readonly CompiledCostMapEntry[];
  readonly compatibility: readonly string[];
  /** Inferred cost bases by compatibility flags (computed on first use). */
  readonly inferred: Map<string, readonly string[]>;
}

const NO_CONFIG: ProviderCostConfig = Object.freeze({});
const compiledProviders = new WeakMap<ProviderCostConfig, CompiledProviderCost>();

function compileProvider(config: ProviderCostConfig): CompiledProviderCost {
  let compiled = compiledProviders.get(config);
  if (compiled === undefined) {
    const flags = config.compatibility === undefined ? DEFAULT_COMPATIBILITY : Object.keys(config.compatibility).filter((f) => config.compatibility?.[f] === true);
    compiled = { costBasis: config.cost_basis, costMap: compileModelCostMap(config.model_cost_map), compatibility: flags, inferred: new Map() };
    compiledProviders.set(config, compiled);
  }
  return compiled;
}

function inferredBases(config: ProviderCostConfig, compiled: CompiledProviderCost, compatibility: Iterable<string> | undefined): readonly string[] {
  const flags = compatibility === undefined ? compiled.compatibility : [...compatibility];
  const key = flags.join(',');
  let bases = compiled.inferred.get(key);
  if (bases === undefined) {
    bases = Object.freeze(inferCostBases({ baseurl: config.baseurl, compatibility: flags }));
    compiled.inferred.set(key, bases);
  }
  return bases;
}

function unpriced(input: CostInput, costBasis: string | null, adjustment: number, reason: UnpricedReason): CostEstimate {
  return { dollars: null, nanodollars: null, costBasis, usage: input.usage, adjustment, unpriced: reason };
}

/**
 * Estimates the cost of one exchange from its token usage, as Aperture does:
 *
 * 1. `model_cost_map` (first matching entry) may price the model as another (`as`) and scale
 *    the price (`adjustment`).
 * 2. The pricing source is the provider's `cost_basis`; without one, and unless
 *    `auto_cost_basis` is false, the sources inferred from its base URL and compatibility flags
 *    are tried in order (see `inferCostBases`).
 * 3. The bundled price data prices input (uncached, cache reads, cache writes), output and
 *    reasoning tokens, with tiered and dated prices; each token is counted once.
 *
 * The cost is rounded to the nearest nanodollar. A model without a known price gets `dollars:
 * null` and a reason, never 0.
 */
export function estimateCost(input: CostInput): CostEstimate {
  const config = input.providerConfig ?? NO_CONFIG;
  const compiled = compileProvider(config);
  const mapping = mapModelCost(compiled.costMap, input.model);
  const bases = compiled.costBasis !== undefined ? [compiled.costBasis] : input.autoCostBasis === false ? [] : inferredBases(config, compiled, input.compatibility);
  const first = bases[0];
  if (first === undefined) return unpriced(input, null, mapping.adjustment, 'no_cost_basis');
  for (const basis of bases) {
    const source = costBasisSource(basis);
    if (source === undefined) continue;
    const priced = findPricedModel(source, mapping.model);
    if (priced === null) continue;
    const costBasis = `${basis}/${priced.modelId}`;
    let dollars: number;
    try {
      dollars = priceOf(priced, mapping.model, input.usage, input.at === undefined ? new Date() : new Date(input.at));
    } catch {
      return unpriced(input, costBasis, mapping.adjustment, 'price_error');
    }
    const nanodollars = Math.round(dollars * mapping.adjustment * NANODOLLARS_PER_DOLLAR);
    return { dollars: nanodollars / NANODOLLARS_PER_DOLLAR, nanodollars, costBasis, usage: input.usage, adjustment: mapping.adjustment };
  }
  const reason: UnpricedReason = bases.length === 1 && costBasisSource(first) === undefined ? 'unknown_cost_basis' : 'unknown_model';
  return unpriced(input, `${first}/${mapping.model}`, mapping.adjustment, reason);
}
