import type { Identity } from '@tollgate/core';
import { resolveBucketName } from './bucket-name.js';
import type { CompiledQuota, QuotaDefinition } from './quota-definitions.js';

/**
 * The part of the grants plugin's `EffectiveCapabilities` quotas need: the `quotas` objects of
 * every matching capability (model-scoped ones only when the model matched), de-duplicated.
 */
export interface QuotaCapabilities {
  /** `{ bucket }` objects, as configured in grants. */
  readonly quotas: readonly Readonly<Record<string, unknown>>[];
}

/** A bucket a request is charged to. */
export interface ResolvedBucket {
  /** The bucket's name with templates filled (`daily:alice@example.com`): its key in the store. */
  readonly name: string;
  /** Its definition (configured name, limits). */
  readonly definition: QuotaDefinition;
}

/** Why a request's quotas cannot be enforced; the request is refused (fails closed). */
export interface QuotaFailure {
  /** The bucket reference concerned, as configured. */
  readonly bucket: string;
  /** What is wrong. */
  readonly reason: string;
}

/** What {@link resolveQuotas} decides. */
export type QuotaResolution =
  | { readonly ok: true; readonly buckets: readonly ResolvedBucket[] }
  | { readonly ok: false; readonly failures: readonly QuotaFailure[] };

/** What {@link resolveQuotas} needs. */
export interface ResolveQuotasInput {
  /** The request's effective capabilities (absent: no grants plugin, no quotas). */
  readonly capabilities: QuotaCapabilities | undefined;
  /** The compiled `quotas` section. */
  readonly quotas: ReadonlyMap<string, CompiledQuota>;
  /** The caller. */
  readonly identity: Identity;
}

const NO_BUCKETS: QuotaResolution = Object.freeze({ ok: true, buckets: Object.freeze([]) });

/**
 * The buckets a request is charged to: every quota reference of every matching grant
 * capability, with `<user>` / `<node>` filled for the caller, each bucket once. It fails closed
 * (every problem listed) when a reference has no bucket name, names an undefined quota (the
 * grants plugin warns about it at load), names a quota whose config does not parse, or uses a
 * template the caller cannot fill.
 */
export function resolveQuotas(input: ResolveQuotasInput): QuotaResolution {
  const refs = input.capabilities?.quotas ?? [];
  if (refs.length === 0) return NO_BUCKETS;
  const buckets: ResolvedBucket[] = [];
  const failures: QuotaFailure[] = [];
  const seen = new Set<string>();
  for (const ref of refs) {
    const bucket = ref.bucket;
    if (typeof bucket !== 'string' || bucket === '') {
      failures.push({ bucket: JSON.stringify(ref), reason: 'quota reference without a bucket name' });
      continue;
    }
    const definition = input.quotas.get(bucket);
    if (definition === undefined) {
      failures.push({ bucket, reason: `quota "${bucket}" is not defined` });
      continue;
    }
    if (!definition.ok) {
      failures.push({ bucket, reason: `quota "${bucket}" cannot be parsed: ${definition.reason}` });
      continue;
    }
    const resolved = resolveBucketName(bucket, input.identity);
    if (!resolved.ok) {
      failures.push({ bucket, reason: resolved.reason });
      continue;
    }
    if (seen.has(resolved.name)) continue;
    seen.add(resolved.name);
    buckets.push({ name: resolved.name, definition });
  }
  return failures.length > 0 ? { ok: false, failures } : { ok: true, buckets };
}
