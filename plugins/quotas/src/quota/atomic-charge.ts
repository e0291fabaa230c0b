import type { BucketLimits } from './token-bucket.js';

/**
 * Changes to buckets as **one SQL statement** each, the same for SQLite (>= 3.35) and PostgreSQL
 * (>= 9.5): a multi-row upsert that inserts a bucket not stored yet (full, then changed) and
 * otherwise updates the stored row from its own current values (refill for the time elapsed,
 * cap at capacity, apply the change) and returns the new state. Every gateway sharing the
 * database runs it; the row lock (PostgreSQL) or the write lock (SQLite) serialises concurrent
 * changes, so none is lost and no read-modify-write race exists. It computes exactly what
 * `chargeBucket`, `topUpBucket` and `setBucketBalance` compute in JavaScript.
 *
 * Each row carries its change's parameters into columns of its own (`capacity`, `period`,
 * `rate_amount`, `max_periods`, `last_change`, and `updated_at` = now), which the update reads
 * back as `excluded.*`: so one statement changes any number of buckets, each with its own limits,
 * with each value bound once. The row also records the limits it was last changed with.
 *
 * Integer arithmetic only, and no intermediate leaves 64 bits: with `e` the elapsed
 * milliseconds, `P` the period, `A` the rate amount, `A = q·P + r`, `e = k·P + e'`, the credit
 * `floor((e·A + carry) / P)` is computed as `k·A + e'·q + floor((e'·r + carry) / P)`, where
 * `e'·r + carry < P² <= 6.7e18` (a month is the longest period) and `k` is clamped to
 * `max_periods = min(floor(4e18 / A), 2^53 - 1)`: a bucket idle that long is full anyway. Balances
 * are bounded by `Number.MAX_SAFE_INTEGER`. Portable spelling: `CASE` instead of `MIN`/`MAX`
 * (scalar in SQLite, aggregates in PostgreSQL) and `LEAST`/`GREATEST` (PostgreSQL only); integer
 * `/` truncates in both, every operand is non-negative where it divides, and every bound value is
 * cast to `BIGINT` (some SQLite drivers bind a JavaScript number as REAL).
 */

/** Name of the bucket table. */
export const BUCKET_TABLE = 'quotas_buckets';

/** What a statement does to each of its buckets. */
export type BucketChangeKind = 'charge' | 'top_up' | 'set_balance';

/** The database dialects the statements are written for. */
export type SqlDialect = 'sqlite' | 'postgres';

/**
 * One bucket's row of a change statement, in column order: name, balance of a bucket created by
 * this change, carry (0), now, capacity, period, rate amount, max periods, the change (a cost, a
 * top-up amount, or for a set balance the balance).
 */
export type BucketChangeRow = readonly [name: string, initialBalance: number, carry: 0, now: number, capacity: number, period: number, rateAmount: number, maxPeriods: number, change: number];

/** The columns a change row fills, in {@link BucketChangeRow} order. */
export const CHANGE_COLUMNS = ['name', 'balance', 'carry', 'updated_at', 'capacity', 'period', 'rate_amount', 'max_periods', 'last_change'] as const;

/** Largest whole-period credit the statement computes (keeps every product within 64 bits). */
const CREDIT_LIMIT = 4_000_000_000_000_000_000n;

const x = (column: string): string => `excluded.${column}`;
const NOW = x('updated_at');
const P = x('period');
const CAPACITY = x('capacity');
const E = `(CASE WHEN ${NOW} > b.updated_at THEN ${NOW} - b.updated_at ELSE 0 END)`;
const K = `(CASE WHEN ${E} / ${P} > ${x('max_periods')} THEN ${x('max_periods')} ELSE ${E} / ${P} END)`;
const ACC = `((${E} % ${P}) * (${x('rate_amount')} % ${P}) + (CASE WHEN b.carry < ${P} THEN b.carry ELSE ${P} - 1 END))`;
const FILLED = `(b.balance + ${K} * ${x('rate_amount')} + (${E} % ${P}) * (${x('rate_amount')} / ${P}) + ${ACC} / ${P})`;
const FILLED_PLUS = `(${FILLED} + ${x('last_change')})`;

const SET_BALANCE: Readonly<Record<BucketChangeKind, readonly string[]>> = {
  charge: [`balance = (CASE WHEN ${FILLED} >= ${CAPACITY} THEN ${CAPACITY} ELSE ${FILLED} END) - ${x('last_change')}`, `carry = CASE WHEN ${FILLED} >= ${CAPACITY} THEN 0 ELSE ${ACC} % ${P} END`],
  top_up: [`balance = CASE WHEN ${FILLED_PLUS} >= ${CAPACITY} THEN ${CAPACITY} ELSE ${FILLED_PLUS} END`, `carry = CASE WHEN ${FILLED_PLUS} >= ${CAPACITY} THEN 0 ELSE ${ACC} % ${P} END`],
  set_balance: [`balance = ${x('balance')}`, 'carry = 0'],
};

const texts = new Map<string, string>();

/**
 * The statement applying a change of `kind` to `rows` buckets, with `dialect`'s numbered
 * parameters (`?1` / `$1`), nine per row in {@link BucketChangeRow} order. It returns
 * `name, balance, carry, updated_at` of every row changed (in no particular order). The rows must
 * name distinct buckets (PostgreSQL refuses to change one row twice in a statement); sort them by
 * name, so that concurrent statements lock rows in the same order.
 */
export function bucketChangeSql(kind: BucketChangeKind, rows: number, dialect: SqlDialect): string {
  const key = `${kind}:${rows}:${dialect}`;
  let text = texts.get(key);
  if (text !== undefined) return text;
  if (!Number.isSafeInteger(rows) || rows < 1) throw new RangeError(`rows must be a positive integer (got ${rows})`);
  const mark = dialect === 'postgres' ? '$' : '?';
  const values = Array.from({ length: rows }, (_, r) => `(${CHANGE_COLUMNS.map((_c, i) => (i === 0 ? `${mark}${r * 9 + 1}` : `CAST(${mark}${r * 9 + i + 1} AS BIGINT)`)).join(', ')})`);
  text = [
    `INSERT INTO ${BUCKET_TABLE} AS b (${CHANGE_COLUMNS.join(', ')})`,
    `VALUES ${values.join(', ')}`,
    'ON CONFLICT (name) DO UPDATE SET',
    `  ${[...SET_BALANCE[kind], `updated_at = CASE WHEN ${NOW} > b.updated_at THEN ${NOW} ELSE b.updated_at END`, ...CHANGE_COLUMNS.slice(4).map((c) => `${c} = ${x(c)}`)].join(',\n  ')}`,
    'RETURNING name, balance, carry, updated_at',
  ].join('\n');
  if (texts.size < 4_096) texts.set(key, text);
  return text;
}

/** Most whole periods a change credits at once (beyond it the bucket is full anyway). */
function maxPeriods(limits: BucketLimits): number {
  const amount = limits.rate.amount;
  return amount === 0 ? 0 : Math.min(Number.MAX_SAFE_INTEGER, Number(CREDIT_LIMIT / BigInt(amount)));
}

function assertAmount(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what} must be a non-negative integer number of nanodollars (got ${value})`);
}

function row(name: string, limits: BucketLimits, now: number, initial: number, change: number): BucketChangeRow {
  return [name, initial, 0, now, limits.capacity, limits.rate.periodMs, limits.rate.amount, maxPeriods(limits), change];
}

/** The row charging `cost` nanodollars to bucket `name` at `now` (a new bucket starts full). */
export function chargeRow(name: string, limits: BucketLimits, now: number, cost: number): BucketChangeRow {
  assertAmount(cost, 'cost');
  return row(name, limits, now, limits.capacity - cost, cost);
}

/** The row adding `amount` nanodollars to bucket `name` at `now`, capped at capacity (a new bucket is full). */
export function topUpRow(name: string, limits: BucketLimits, now: number, amount: number): BucketChangeRow {
  assertAmount(amount, 'amount');
  return row(name, limits, now, limits.capacity, amount);
}

/** The row setting bucket `name`'s balance to `balance` nanodollars (capped at capacity) at `now`; the carry restarts. */
export function setBalanceRow(name: string, limits: BucketLimits, now: number, balance: number): BucketChangeRow {
  if (!Number.isSafeInteger(balance)) throw new RangeError(`balance must be an integer number of nanodollars (got ${balance})`);
  const capped = Math.min(balance, limits.capacity);
  return row(name, limits, now, capped, capped);
}
