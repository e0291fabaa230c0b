/**
 * @tollgate/plugin-quotas: cost estimation and Aperture's dollar quotas for tollgate. This
 * release holds the pure core the plugin is built on: offline prices with Aperture's
 * `cost_basis`, `auto_cost_basis` and `model_cost_map`; exact nanodollar money and rates;
 * token-bucket arithmetic with an injectable clock; bucket templates and quota resolution from
 * grants; the atomic charge statement for the store; hook payload shapes; config schemas.
 */
export * from './types.js';
export {
  QuotaSchema,
  QuotasSchema,
  AutoCostBasisSchema,
  CostBasisSchema,
  ModelCostMapEntrySchema,
  ModelCostMapSchema,
  PROVIDER_COST_FIELDS,
  QUOTAS_SECTIONS,
  type QuotaConfig,
  type QuotasConfig,
  type ModelCostMapEntryConfig,
  type ModelCostMapConfig,
} from './schema.js';
export { NANODOLLARS_PER_DOLLAR, MONEY_INVALID, MAX_NANODOLLARS, parseMoney, formatMoney, nanodollarsToDollars, type ParseMoneyOptions } from './money/money.js';
export { RATE_UNIT_MS, parseRate, rateOf, type Rate, type RateUnit } from './money/rate.js';
export { estimateCost } from './cost/estimate-cost.js';
export {
  APERTURE_COST_BASES,
  COST_BASIS_SOURCES,
  COST_BASIS_OF_FLAG,
  DEFAULT_COMPATIBILITY,
  costBasisSource,
  inferCostBases,
  type ApertureCostBasis,
  type CostBasisHints,
} from './cost/cost-basis.js';
export { compileModelCostMap, mapModelCost, type ModelCostMapEntry, type CompiledCostMapEntry, type CostMapping } from './cost/model-cost-map.js';
export { findPricedModel, priceProvider, priceProviderForUrl, type PricedModel } from './cost/price-data.js';
