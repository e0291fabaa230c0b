import { CompiledQuery, type Kysely, type Store, type StoreDialect } from '@tollgate/store';
import { BUCKET_TABLE, type BucketChangeKind, type BucketChangeRow, bucketChangeSql, chargeRow, setBalanceRow, topUpRow } from '../quota/atomic-charge.js';
import type { BucketLimits, BucketState } from '../quota/token-bucket.js';

/** A row of the bucket table as the store returns it. */
interface BucketRow {
  readonly name: string;
  readonly balance: number | string;
  readonly carry: number | string;
  readonly updated_at: number | string;
}

/** A stored bucket: its name and state. */
export interface StoredBucket {
  /** Bucket name (templates filled). */
  readonly name: string;
  /** Its state as stored (not refilled up to now). */
  readonly state: BucketState;
}

/** What runs a compiled query: the store's `db` or a transaction of it. */
export interface QueryRunner {
  /** Kysely's `executeQuery`. */
  executeQuery<R>(query: CompiledQuery<R>): Promise<{ readonly rows: R[] }>;
}

// The store returns integers as numbers; Number() also covers a driver that returns text.
const stateOf = (r: BucketRow): BucketState => ({ balance: Number(r.balance), carry: Number(r.carry), updatedAt: Number(r.updated_at) });

/** Most names per read, and most buckets per change statement. */
export const NAMES_PER_READ = 500;

const readTexts = new Map<string, string>();

/** `SELECT ... WHERE name IN (?1, ..., ?n)` for `n` names, made once per (dialect, n). */
function readText(dialect: StoreDialect, n: number): string {
  const key = `${dialect}:${n}`;
  let text = readTexts.get(key);
  if (text === undefined) {
    const marks = Array.from({ length: n }, (_, i) => `${dialect === 'postgres' ? '$' : '?'}${i + 1}`).join(', ');
    text = `SELECT name, balance, carry, updated_at FROM ${BUCKET_TABLE} WHERE name IN (${marks})`;
    if (readTexts.size < 1_000) readTexts.set(key, text);
  }
  return text;
}

/** The capping statement (parameters: name, capacity). */
function capText(dialect: StoreDialect): string {
  const m = dialect === 'postgres' ? '$' : '?';
  const cap = `CAST(${m}2 AS BIGINT)`;
  return `UPDATE ${BUCKET_TABLE} SET balance = CASE WHEN balance > ${cap} THEN ${cap} ELSE balance END, carry = CASE WHEN balance > ${cap} THEN 0 ELSE carry END WHERE name = ${m}1 AND balance > ${cap}`;
}

/**
 * The quota buckets in the shared store. Every change is one atomic statement (see
 * `atomic-charge.ts`), for one bucket or many: the database serialises concurrent changes on one
 * gateway and across gateways, so none is lost. Reads (for admission and the admin API) are plain
 * selects. Statement texts are made once per shape: nothing is compiled per call, and SQLite
 * reuses its prepared statements.
 */
export class BucketStore {
  readonly #db: Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- the store's query layer is untyped; rows are typed above
  /** The database's dialect. */
  readonly dialect: StoreDialect;

  constructor(store: Pick<Store, 'db' | 'dialect'>) {
    this.#db = store.db;
    this.dialect = store.dialect;
  }

  /** The store's query layer (for transactions). */
  get db(): Kysely<any> { // eslint-disable-line @typescript-eslint/no-explicit-any -- see #db
    return this.#db;
  }

  /** The stored states of `names` (a name without a row is absent: that bucket is full). */
  async read(names: readonly string[]): Promise<Map<string, BucketState>> {
    const out = new Map<string, BucketState>();
    for (let i = 0; i < names.length; i += NAMES_PER_READ) {
      const chunk = names.slice(i, i + NAMES_PER_READ);
      const result = await this.#db.executeQuery(CompiledQuery.raw(readText(this.dialect, chunk.length), chunk) as CompiledQuery<BucketRow>);
      for (const r of result.rows) out.set(r.name, stateOf(r));
    }
    return out;
  }

  /** Every stored bucket, by name. */
  async list(): Promise<StoredBucket[]> {
    const rows: BucketRow[] = await this.#db.selectFrom(BUCKET_TABLE).select(['name', 'balance', 'carry', 'updated_at']).orderBy('name').execute();
    return rows.map((r) => ({ name: r.name, state: stateOf(r) }));
  }

  /** Deletes the rows of `names`; resolves with how many were deleted. */
  async remove(names: readonly string[]): Promise<number> {
    let deleted = 0;
    for (let i = 0; i < names.length; i += NAMES_PER_READ) {
      const chunk = names.slice(i, i + NAMES_PER_READ);
      const result = await this.#db.deleteFrom(BUCKET_TABLE).where('name', 'in', chunk).executeTakeFirst();
      deleted += Number(result.numDeletedRows);
    }
    return deleted;
  }

  /**
   * Applies `rows` (distinct buckets, see `chargeRow`, `topUpRow`, `setBalanceRow`) as one atomic
   * statement on `runner` (the store's `db`, or a transaction); resolves with each bucket's state
   * after, by name. Rows are sorted by name first, so that concurrent statements lock in one order.
   */
  async change(kind: BucketChangeKind, rows: readonly BucketChangeRow[], runner: QueryRunner = this.#db): Promise<Map<string, BucketState>> {
    const out = new Map<string, BucketState>();
    const sorted = [...rows].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (let i = 0; i < sorted.length; i += NAMES_PER_READ) {
      const chunk = sorted.slice(i, i + NAMES_PER_READ);
      const result = await runner.executeQuery(CompiledQuery.raw(bucketChangeSql(kind, chunk.length, this.dialect), chunk.flat()) as CompiledQuery<BucketRow>);
      for (const r of result.rows) out.set(r.name, stateOf(r));
    }
    for (const [name] of rows) if (!out.has(name)) throw new Error(`the bucket statement returned no row for "${name}"`);
    return out;
  }

  /**
   * Caps stored balances above a (lowered) capacity: for each `[name, capacity]`, one atomic
   * statement that sets the balance to the capacity only if it is higher (a concurrent charge is
   * never overwritten). Resolves with how many balances were capped.
   */
  async capBalances(caps: ReadonlyArray<readonly [name: string, capacity: number]>): Promise<number> {
    let capped = 0;
    for (const [name, capacity] of caps) {
      const result = await this.#db.executeQuery(CompiledQuery.raw(capText(this.dialect), [name, capacity]));
      capped += Number(result.numAffectedRows ?? 0n);
    }
    return capped;
  }

  /** Charges `cost` nanodollars to one bucket at `now` (one statement); resolves with its state after. */
  async charge(name: string, limits: BucketLimits, now: number, cost: number): Promise<BucketState> {
    return (await this.change('charge', [chargeRow(name, limits, now, cost)])).get(name) as BucketState;
  }

  /** The admin "refill": refill up to `now`, add `amount` nanodollars, cap at capacity; one statement. */
  async topUp(name: string, limits: BucketLimits, now: number, amount: number): Promise<BucketState> {
    return (await this.change('top_up', [topUpRow(name, limits, now, amount)])).get(name) as BucketState;
  }

  /** The admin "set balance": `balance` nanodollars capped at capacity, carry restarted; one statement. */
  async setBalance(name: string, limits: BucketLimits, now: number, balance: number): Promise<BucketState> {
    return (await this.change('set_balance', [setBalanceRow(name, limits, now, balance)])).get(name) as BucketState;
  }
}
