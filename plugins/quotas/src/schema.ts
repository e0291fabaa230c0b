import { WARN_UNKNOWN, duration } from '@tollgate/core';
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
 * Options of the plugin (`["quotas", { ... }]` in `plugins`); an Aperture config needs none.
 */
export const QuotasOptionsSchema = Type.Object(
  {
    /**
     * Refuse requests for a model without a known price (403, code `model_unpriced`) from callers
     * whose grants charge them to a quota, since their cost could not be charged. Callers without
     * a quota are never refused for it. @default false
     */
    refuse_unpriced: Type.Boolean({ default: false }),
    /**
     * The least time between two warnings about the same unpriced model (each says how many of
     * its exchanges were unpriced since the last one). A Go duration. @default "10m"
     */
    unpriced_warn_interval: duration('10m'),
    /**
     * How long `settle` waits for the charges of one exchange before letting observers run
     * without the balances (the charges stay queued and are retried while the store is down).
     * A Go duration. @default "5s"
     */
    charge_timeout: duration('5s'),
  },
  { additionalProperties: false, default: {} },
);

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
/** Validated plugin options. */
export type QuotasOptions = Type.Static<typeof QuotasOptionsSchema>;
