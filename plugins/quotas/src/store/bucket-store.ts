import type { Kysely, Store, Transaction } from '@tollgate/store';
import { BUCKET_TABLE, CHARGE_BUCKET_SQL, type ChargeParams, SET_BUCKET_BALANCE_SQL, TOP_UP_BUCKET_SQL, chargeParams } from '../quota/atomic-charge.js';
import type { BucketLimits, BucketState } from '../quota/token-bucket.js';
import { namedSql } from './named-sql.js';

/** A row of the bucket table as the store returns it. */
interface BucketRow {
  readonly name: string;
  readonly balance: number | string;
  readonly carry: number | string;
  readonly updated_at: number | string;
}

/** The row the atomic statements return. */
type ReturnedRow = Omit<BucketRow, 'name'>;

/** A stored bucket: its name and state. */
export interface StoredBucket {
  /** Bucket name (templates filled). */
  readonly name: string;
  /** Its state as stored (not refilled up to now). */
  readonly state: BucketState;
}

// The store returns integers as numbers; Number() also covers a driver that returns text.
const stateOf = (r: ReturnedRow): BucketState => ({ balance: Number(r.balance), carry: Number(r.carry), updatedAt: Number(r.updated_at) });

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the store's query layer is untyped; rows are typed above
type Db = Kysely<any> | Transaction<any>;

/** Most names per `IN (...)` list (SQLite allows 32766 parameters; keep lists short). */
const NAMES_PER_QUERY = 500;

/**
 * The quota buckets in the shared store. Every change is one atomic statement (see
 * `atomic-charge.ts`): the database serialises concurrent charges on one gateway and across
 * gateways, so none is lost. Reads (for admission and the admin API) are plain selects.
 */
export class BucketStore {
  readonly #store: Pick<Store, 'db'>;

  constructor(store: Pick<Store, 'db'>) {
    this.#store = store;
  }

  /** The stored states of `names` (a name without a row is absent: that bucket is full). */
  async read(names: readonly string[]): Promise<Map<string, BucketState>> {
    const out = new Map<string, BucketState>();
    if (names.length === 0) return out;
    const db = this.#store.db;
    const rows: BucketRow[] =
      names.length === 1
        ? await db.selectFrom(BUCKET_TABLE).select(['name', 'balance', 'carry', 'updated_at']).where('name', '=', names[0]).execute()
        : await db.selectFrom(BUCKET_TABLE).select(['name', 'balance', 'carry', 'updated_at']).where('name', 'in', names).execute();
    for (const r of rows) out.set(r.name, stateOf(r));
    return out;
  }

  /** Every stored bucket, by name. */
  async list(): Promise<StoredBucket[]> {
    const rows: BucketRow[] = await this.#store.db.selectFrom(BUCKET_TABLE).select(['name', 'balance', 'carry', 'updated_at']).orderBy('name').execute();
    return rows.map((r) => ({ name: r.name, state: stateOf(r) }));
  }

  /** Deletes the rows of `names`; resolves with how many were deleted. */
  async remove(names: readonly string[]): Promise<number> {
    let deleted = 0;
    for (let i = 0; i < names.length; i += NAMES_PER_QUERY) {
      const chunk = names.slice(i, i + NAMES_PER_QUERY);
      const result = await this.#store.db.deleteFrom(BUCKET_TABLE).where('name', 'in', chunk).executeTakeFirst();
      deleted += Number(result.numDeletedRows);
    }
    return deleted;
  }

  /** Runs the atomic charge of one bucket on `db` (the store or a transaction); resolves with its state after. */
  static async charge(db: Db, params: ChargeParams): Promise<BucketState> {
    return BucketStore.#one(db, CHARGE_BUCKET_SQL, { ...params });
  }

  /** The admin "refill": refill up to `now`, add `amount` nanodollars, cap at capacity; one statement. */
  async topUp(name: string, limits: BucketLimits, now: number, amount: number): Promise<BucketState> {
    if (!Number.isSafeInteger(amount) || amount < 0) throw new RangeError(`amount must be a non-negative integer number of nanodollars (got ${amount})`);
    return BucketStore.#one(this.#store.db, TOP_UP_BUCKET_SQL, { ...chargeParams(name, limits, now, 0), amount });
  }

  /** The admin "set balance": `balance` nanodollars capped at capacity, carry restarted; one statement. */
  async setBalance(name: string, limits: BucketLimits, now: number, balance: number): Promise<BucketState> {
    if (!Number.isSafeInteger(balance)) throw new RangeError(`balance must be an integer number of nanodollars (got ${balance})`);
    return BucketStore.#one(this.#store.db, SET_BUCKET_BALANCE_SQL, { name, now, balance: Math.min(balance, limits.capacity) });
  }

  static async #one(db: Db, text: string, params: Record<string, unknown>): Promise<BucketState> {
    const result = await namedSql<ReturnedRow>(text, params).execute(db);
    const row = result.rows[0];
    if (row === undefined) throw new Error('the bucket statement returned no row');
    return stateOf(row);
  }
}
