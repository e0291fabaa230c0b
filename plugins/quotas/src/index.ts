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
export { costConfigIssues, type CostConfigIssuesInput } from './cost/cost-config-issues.js';
export { findPricedModel, priceProvider, priceProviderForUrl, type PricedModel } from './cost/price-data.js';

export {
  newBucket,
  refillBucket,
  chargeBucket,
  topUpBucket,
  setBucketBalance,
  bucketIsPositive,
  retryAfterMs,
  retryAfterSeconds,
  systemClock,
  type BucketLimits,
  type BucketState,
  type Clock,
} from './quota/token-bucket.js';
export { USER_TEMPLATE, NODE_TEMPLATE, BUCKET_TEMPLATES, resolveBucketName, unsupportedTemplates, type BucketNameResult } from './quota/bucket-name.js';
export { compileQuotas, type QuotaDefinition, type InvalidQuota, type CompiledQuota, type CompiledQuotas, type OnExceed } from './quota/quota-definitions.js';
export { resolveQuotas, type QuotaCapabilities, type ResolvedBucket, type QuotaFailure, type QuotaResolution, type ResolveQuotasInput } from './quota/resolve-quotas.js';
export { admit, quotaDenial, NEVER_RETRY_AFTER_SECONDS, QUOTA_CODE, type Admission, type BucketSnapshot } from './quota/admission.js';
export { chainAvailable, chainAdmits, planChainCharge, type ChainLink, type ChainShare } from './quota/overdraft-chain.js';
export { BUCKET_TABLE, CHARGE_BUCKET_SQL, TOP_UP_BUCKET_SQL, SET_BUCKET_BALANCE_SQL, chargeParams, type ChargeParams } from './quota/atomic-charge.js';

export { estimatedCostPayload, usagePayload, quotasPayload, quotaBalancePayload, type QuotaPayloadEntry } from './payload.js';
