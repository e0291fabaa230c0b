import { type Identity, errorMessage, refuse } from '@tollgate/core';
import { formatMoney, parseMoney } from '../money/money.js';
import { BUCKET_TEMPLATES, resolveBucketName } from '../quota/bucket-name.js';
import type { BucketMatcher } from '../quota/bucket-pattern.js';
import type { CompiledQuota, QuotaDefinition } from '../quota/quota-definitions.js';
import { type BucketState, type Clock, refillBucket } from '../quota/token-bucket.js';
import type { BucketStore } from '../store/bucket-store.js';
import { PLUGIN_NAME } from '../types.js';

/** One bucket as `GET /api/quotas` describes it (amounts in integer nanodollars, and as dollar texts). */
export interface BucketView {
  /** Bucket name, templates filled (`daily:alice@example.com`). */
  readonly name: string;
  /** The configured quota it belongs to (`daily:<user>`). */
  readonly quota: string;
  /** Balance now (refilled up to now; negative after an overdraft). */
  readonly current: number;
  /** Capacity. */
  readonly capacity: number;
  /** Refill rate as text (`"$5.00/day"`). */
  readonly rate: string;
  /** When the stored balance last changed (ISO 8601), `null` for a bucket never charged (full). */
  readonly updated: string | null;
  /** `current` as text (`"$4.50"`). */
  readonly current_dollars: string;
  /** `capacity` as text (`"$10.00"`). */
  readonly capacity_dollars: string;
}

/** A configured quota that fails closed, as admins see it. */
export interface InvalidQuotaView {
  /** The quota's name as configured. */
  readonly quota: string;
  /** Why it cannot be parsed. */
  readonly reason: string;
}

/** `GET /api/quotas`. */
export interface QuotaList {
  /** The buckets, by name. */
  readonly buckets: BucketView[];
  /** Admins only: quotas whose configuration cannot be parsed (every request charged to them is refused). */
  readonly invalid?: InvalidQuotaView[];
}

/** What {@link QuotaAdmin} works on. */
export interface QuotaAdminDeps {
  /** The compiled `quotas` section. */
  readonly quotas: ReadonlyMap<string, CompiledQuota>;
  /** Finds a bucket's quota. */
  readonly matcher: BucketMatcher;
  /** The bucket store (absent when no quota is configured: nothing is stored then). */
  readonly buckets: () => BucketStore | undefined;
  /** The clock. */
  readonly clock: Clock;
}

const TEMPLATE = /<[^<>]*>/;

function view(name: string, definition: QuotaDefinition, stored: BucketState | undefined, now: number): BucketView {
  const current = refillBucket(stored, definition.limits, now).balance;
  return {
    name,
    quota: definition.name,
    current,
    capacity: definition.limits.capacity,
    rate: definition.limits.rate.text,
    updated: stored === undefined ? null : new Date(stored.updatedAt).toISOString(),
    current_dollars: formatMoney(current),
    capacity_dollars: formatMoney(definition.limits.capacity),
  };
}

function byName(views: ReadonlyMap<string, BucketView>): BucketView[] {
  return [...views.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function invalidField(path: string, message: string): Error {
  return refuse({ status: 422, kind: 'invalid_request', code: 'invalid_request', message: `${path.slice(1)}: ${message}`, details: { errors: [{ path, message }] }, by: PLUGIN_NAME });
}

/**
 * The admin side of quotas, behind `GET /api/quotas`, `POST /api/quotas/refill` and
 * `POST /api/quotas/set`. Balances are reported refilled up to now; changes are one atomic
 * statement each, like charges.
 */
export class QuotaAdmin {
  readonly #d: QuotaAdminDeps;

  constructor(deps: QuotaAdminDeps) {
    this.#d = deps;
  }

  /**
   * The buckets a caller may see. Admins: every stored bucket of a configured quota, and every
   * configured bucket without a template (full until charged), plus the quotas that fail closed.
   * Others: their own buckets, the configured quotas with `<user>` or `<node>` filled for them.
   */
  async list(identity: Identity, admin: boolean): Promise<QuotaList> {
    const store = this.#d.buckets();
    const now = this.#d.clock();
    const out = new Map<string, BucketView>();
    if (admin) {
      for (const { name, state } of (await store?.list()) ?? []) {
        const quota = this.#d.matcher.quotaOf(name);
        if (quota?.ok === true) out.set(name, view(name, quota, state, now));
      }
      for (const quota of this.#d.quotas.values()) {
        if (quota.ok && !TEMPLATE.test(quota.name) && !out.has(quota.name)) out.set(quota.name, view(quota.name, quota, undefined, now));
      }
      const invalid = [...this.#d.quotas.values()].flatMap((q) => (q.ok ? [] : [{ quota: q.name, reason: q.reason }]));
      return { buckets: byName(out), invalid };
    }
    const own = new Map<string, QuotaDefinition>();
    for (const quota of this.#d.quotas.values()) {
      if (!quota.ok || !BUCKET_TEMPLATES.some((t) => quota.name.includes(t))) continue;
      const resolved = resolveBucketName(quota.name, identity);
      if (resolved.ok && !own.has(resolved.name)) own.set(resolved.name, quota);
    }
    const stored = (await store?.read([...own.keys()])) ?? new Map<string, BucketState>();
    for (const [name, quota] of own) out.set(name, view(name, quota, stored.get(name), now));
    return { buckets: byName(out) };
  }

  /** Adds `amount` (a dollar text) to `bucket`, capped at its capacity. */
  async refill(bucket: unknown, amount: unknown): Promise<BucketView> {
    const definition = this.#definition(bucket);
    const nanodollars = this.#money('/amount', amount, false);
    const name = bucket as string;
    const state = await this.#store().topUp(name, definition.limits, this.#d.clock(), nanodollars);
    return view(name, definition, state, this.#d.clock());
  }

  /** Sets `bucket`'s balance to `balance` (a dollar text, may be negative), capped at its capacity. */
  async set(bucket: unknown, balance: unknown): Promise<BucketView> {
    const definition = this.#definition(bucket);
    const nanodollars = this.#money('/balance', balance, true);
    const name = bucket as string;
    const state = await this.#store().setBalance(name, definition.limits, this.#d.clock(), nanodollars);
    return view(name, definition, state, this.#d.clock());
  }

  #definition(bucket: unknown): QuotaDefinition {
    if (typeof bucket !== 'string' || bucket === '') throw invalidField('/bucket', 'must be a bucket name (a string)');
    if (TEMPLATE.test(bucket)) throw invalidField('/bucket', `give the bucket's name with its templates filled (e.g. "daily:alice@example.com"), not "${bucket.slice(0, 100)}"`);
    const quota = this.#d.matcher.quotaOf(bucket);
    if (quota === undefined) throw refuse({ status: 404, kind: 'not_found', code: 'quota_bucket_not_found', message: `no configured quota makes a bucket named "${bucket.slice(0, 200)}"`, by: PLUGIN_NAME });
    if (!quota.ok) throw refuse({ status: 409, kind: 'invalid_request', code: 'quota_invalid', message: `quota "${quota.name}" cannot be parsed (${quota.reason}); fix the configuration first`, by: PLUGIN_NAME });
    return quota;
  }

  #money(path: string, value: unknown, allowNegative: boolean): number {
    if (typeof value !== 'string') throw invalidField(path, 'must be a dollar amount as text, like "$5.00"');
    try {
      return parseMoney(value, { allowNegative });
    } catch (err) {
      throw invalidField(path, errorMessage(err));
    }
  }

  #store(): BucketStore {
    const store = this.#d.buckets();
    if (store === undefined) throw refuse({ status: 503, kind: 'unavailable', message: 'the quota store is not open', by: PLUGIN_NAME });
    return store;
  }
}
