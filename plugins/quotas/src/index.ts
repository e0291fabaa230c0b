/**
 * @tollgate/plugin-quotas: cost estimation and Aperture's dollar quotas for tollgate. Prices every
 * exchange from offline price data with Aperture's `cost_basis`, `auto_cost_basis` and
 * `model_cost_map` (unknown prices are `null`, never $0), enforces the `quotas` section's
 * nanodollar token buckets before each request (429 with `Retry-After`), charges them after the
 * answer with one atomic statement per bucket in the shared store, and serves `/api/quotas`.
 */
import { quotasPlugin } from './plugin.js';

export default quotasPlugin;
export { quotasPlugin as plugin, quotasPlugin, defineQuotasPlugin, QuotasPlugin, STAGE_QUOTAS, UNPRICED_CODE, type QuotasPluginConfig, type QuotasPluginDeps, type QuotasStats } from './plugin.js';
export * from './types.js';
export { QuotaSchema, QuotasSchema, AutoCostBasisSchema, QuotasOptionsSchema, QUOTAS_SECTIONS, type QuotaConfig, type QuotasConfig, type QuotasOptions } from './schema.js';

export { NANODOLLARS_PER_DOLLAR, MONEY_INVALID, MAX_NANODOLLARS, parseMoney, formatMoney, nanodollarsToDollars, type ParseMoneyOptions } from './money/money.js';
export { RATE_UNIT_MS, parseRate, rateOf, type Rate, type RateUnit } from './money/rate.js';

export { estimateCost } from './cost/estimate-cost.js';
export { CostEstimator } from './cost/cost-estimator.js';
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
export { BucketMatcher } from './quota/bucket-pattern.js';
export { compileQuotas, type QuotaDefinition, type InvalidQuota, type CompiledQuota, type CompiledQuotas, type OnExceed } from './quota/quota-definitions.js';
export { resolveQuotas, type QuotaCapabilities, type ResolvedBucket, type QuotaFailure, type QuotaResolution, type ResolveQuotasInput } from './quota/resolve-quotas.js';
export { admit, quotaDenial, NEVER_RETRY_AFTER_SECONDS, QUOTA_CODE, type Admission, type BucketSnapshot } from './quota/admission.js';
export { chainAvailable, chainAdmits, planChainCharge, type ChainLink, type ChainShare } from './quota/overdraft-chain.js';
export { BUCKET_TABLE, CHANGE_COLUMNS, bucketChangeSql, chargeRow, topUpRow, setBalanceRow, type BucketChangeKind, type BucketChangeRow, type SqlDialect } from './quota/atomic-charge.js';

export { BucketStore, NAMES_PER_READ, type StoredBucket, type QueryRunner } from './store/bucket-store.js';
export { BalanceReader } from './store/balance-reader.js';
export { ChargeQueue, ChargeDroppedError, type Charge, type ChargeQueueOptions, type ChargeQueueStats } from './store/charge-queue.js';
export { QUOTAS_MIGRATIONS, STORE_NAMESPACE } from './store/migrations.js';
export { QuotaAdmin, type BucketView, type InvalidQuotaView, type QuotaList } from './admin/quota-admin.js';
export { QUOTAS_PATH, QUOTAS_REFILL_PATH, QUOTAS_SET_PATH } from './admin/quota-routes.js';

export { estimatedCostPayload, usagePayload, quotasPayload, quotaBalancePayload, type QuotaPayloadEntry } from './payload.js';
