import type { Denial } from '@tollgate/core';
import { PLUGIN_NAME } from '../types.js';
import type { QuotaFailure } from './resolve-quotas.js';
import { type BucketLimits, type BucketState, refillBucket, retryAfterSeconds } from './token-bucket.js';

/** A bucket as read from the store before a request (no state: never charged, so full). */
export interface BucketSnapshot {
  /** Bucket name (templates filled). */
  readonly name: string;
  /** Its limits. */
  readonly limits: BucketLimits;
  /** Its stored state, if any. */
  readonly state: BucketState | undefined;
}

/** The outcome of {@link admit}. */
export type Admission =
  | {
      readonly admitted: true;
      /** Every bucket brought up to now, in the order given. */
      readonly buckets: ReadonlyArray<{ readonly name: string; readonly state: BucketState }>;
    }
  | {
      readonly admitted: false;
      /** Buckets that are not positive. */
      readonly exhausted: readonly string[];
      /** Seconds until all of them are positive again; `null` when one never will by itself. */
      readonly retryAfterSeconds: number | null;
    };

/**
 * The default (parallel) admission rule: a request goes upstream only when **every** bucket it
 * is charged to holds at least one nanodollar at `now`. Concurrent requests may all pass the
 * check before the first is charged; the overshoot is bounded by the requests in flight.
 */
export function admit(buckets: readonly BucketSnapshot[], now: number): Admission {
  const current: Array<{ name: string; state: BucketState }> = [];
  const exhausted: string[] = [];
  let retryAfter: number | null = 0;
  for (const b of buckets) {
    const state = refillBucket(b.state, b.limits, now);
    current.push({ name: b.name, state });
    if (state.balance > 0) continue;
    exhausted.push(b.name);
    const seconds = retryAfterSeconds(state, b.limits, now);
    retryAfter = seconds === null || retryAfter === null ? null : Math.max(retryAfter, seconds);
  }
  return exhausted.length === 0 ? { admitted: true, buckets: current } : { admitted: false, exhausted, retryAfterSeconds: retryAfter };
}

/**
 * `Retry-After` sent when no refill will ever make the bucket positive (capacity `$0.00`, a zero
 * rate, a quota that fails closed): an hour, so that clients back off instead of retrying at once.
 * Provisional: Aperture does not say what it sends then.
 */
export const NEVER_RETRY_AFTER_SECONDS = 3600;

/** Machine code of quota refusals (the OpenAI envelope's `code`, as Aperture sends it). */
export const QUOTA_CODE = 'insufficient_quota';

/**
 * The refusal of a request that {@link admit} did not admit, or whose quotas failed closed: 429
 * with `Retry-After` and kind `quota`, which each API format writes in its own envelope
 * (OpenAI `insufficient_quota`, Anthropic `rate_limit_error`, Gemini `RESOURCE_EXHAUSTED`).
 */
export function quotaDenial(refusal: Extract<Admission, { admitted: false }> | { readonly failures: readonly QuotaFailure[] }): Denial {
  let message: string;
  let retryAfter: number;
  if ('failures' in refusal) {
    message = `quota configuration error: ${refusal.failures.map((f) => f.reason).join('; ')}`;
    retryAfter = NEVER_RETRY_AFTER_SECONDS;
  } else {
    const names = refusal.exhausted.map((n) => `"${n}"`).join(', ');
    message = `quota exceeded: bucket${refusal.exhausted.length === 1 ? '' : 's'} ${names} ${refusal.exhausted.length === 1 ? 'is' : 'are'} empty`;
    retryAfter = refusal.retryAfterSeconds ?? NEVER_RETRY_AFTER_SECONDS;
  }
  return { status: 429, kind: 'quota', code: QUOTA_CODE, message, headers: { 'Retry-After': String(Math.max(1, retryAfter)) }, by: PLUGIN_NAME };
}
