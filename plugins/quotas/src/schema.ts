import { WARN_UNKNOWN } from '@tollgate/core';
import { Type } from 'typebox';

const warnUnknown = { [WARN_UNKNOWN]: true };

/**
 * One bucket of the top-level `quotas` section (`{"capacity": "$10.00", "rate": "$5.00/day",
 * "on_exceed": "reject"}`). The values are strings here; a value that does not parse is a
 * load-time warning and the bucket fails closed (every request charged to it is refused with
 * 429), as in Aperture (see `compileQuotas`).
 */
export const QuotaSchema = Type.Object(
  {
    /** Most the bucket holds, and its starting balance (`"$10.00"`; `"$0.00"` refuses every request). */
    capacity: Type.String(),
    /** Refill rate: an amount per `min`, `hour`, `day`, `week` or `month` (30 days), like `"$5.00/day"`. */
    rate: Type.String(),
    /** What happens when the bucket is not positive before a request: `reject` (429). @default "reject" */
    on_exceed: Type.Optional(Type.String()),
  },
  warnUnknown,
);

/**
 * The top-level `quotas` section: bucket name → {@link QuotaSchema}. A name may contain the
 * templates `<user>` (login name or tag combination) and `<node>` (node id), which make one
 * bucket per caller or device; a name without a template is one shared bucket.
 */
export const QuotasSchema = Type.Record(Type.String({ minLength: 1 }), QuotaSchema, { default: {} });

/**
 * The top-level `auto_cost_basis` flag: when a provider sets no `cost_basis`, infer its pricing
 * source (from its base URL and compatibility flags). @default true
 */
export const AutoCostBasisSchema = Type.Boolean({ default: true });

/**
 * A provider's `cost_basis`: the pricing source of its models. Aperture's values are `anthropic`,
 * `openai`, `google`, `bedrock`, `bedrock-us`, `bedrock-eu`, `bedrock-ap`, `vertex`, `azure`,
 * `azure-eu`, `openrouter`, `vercel`; tollgate also accepts any provider id of the bundled price
 * data (`groq`, `deepseek`, `mistral`, ...). An unknown value is a load-time warning and leaves
 * the provider's models unpriced.
 */
export const CostBasisSchema = Type.String({ minLength: 1 });

/** One `model_cost_map` entry: models matching `match` are priced as `as`, times `adjustment`. */
export const ModelCostMapEntrySchema = Type.Object(
  {
    /** Glob over the model id (`*` within a `/`-segment, `**` across segments), as in grants' `models`. */
    match: Type.String({ minLength: 1 }),
    /** Model whose prices are used (default: the model itself). */
    as: Type.Optional(Type.String({ minLength: 1 })),
    /** Multiplier applied to the price (`1.1` = 10% more). @default 1 */
    adjustment: Type.Number({ minimum: 0, default: 1 }),
  },
  warnUnknown,
);

/** A provider's `model_cost_map`: the first entry whose `match` matches the model wins. */
export const ModelCostMapSchema = Type.Array(ModelCostMapEntrySchema);

/**
 * The two per-provider fields this package reads, for core's `ProviderSchema` (spread them into
 * its properties): `cost_basis` and `model_cost_map`, both optional.
 */
export const PROVIDER_COST_FIELDS = {
  /** See {@link CostBasisSchema}. */
  cost_basis: Type.Optional(CostBasisSchema),
  /** See {@link ModelCostMapSchema}. */
  model_cost_map: Type.Optional(ModelCostMapSchema),
};

/** The top-level sections the quotas plugin owns, with their schemas (for its plugin definition). */
export const QUOTAS_SECTIONS = {
  /** See {@link QuotasSchema}. */
  quotas: QuotasSchema,
  /** See {@link AutoCostBasisSchema}. */
  auto_cost_basis: AutoCostBasisSchema,
};

/** A validated `quotas` entry. */
export type QuotaConfig = Type.Static<typeof QuotaSchema>;
/** The validated `quotas` section. */
export type QuotasConfig = Type.Static<typeof QuotasSchema>;
/** A validated `model_cost_map` entry. */
export type ModelCostMapEntryConfig = Type.Static<typeof ModelCostMapEntrySchema>;
/** A validated `model_cost_map`. */
export type ModelCostMapConfig = Type.Static<typeof ModelCostMapSchema>;
