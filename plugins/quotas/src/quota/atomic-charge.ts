import type { BucketLimits } from './token-bucket.js';

/**
 * The charge of one bucket as **one SQL statement**, the same text for SQLite (>= 3.35) and
 * PostgreSQL (>= 9.5): an upsert that inserts a new bucket full minus the cost, or updates the
 * stored row from its own current values (refill for the time elapsed, cap at capacity,
 * subtract the cost) and returns the new state. Every gateway sharing the database runs it; the
 * row lock (PostgreSQL) or the write lock (SQLite) makes concurrent charges serialise, so no
 * charge is lost and no read-modify-write race exists. It computes exactly what
 * `chargeBucket` computes in JavaScript.
 *
 * Table (one row per bucket name, templates filled):
 *
 * ```sql
 * CREATE TABLE quotas_buckets (
 *   name       TEXT PRIMARY KEY,   -- 'daily:alice@example.com'
 *   balance    BIGINT NOT NULL,    -- nanodollars, may be negative
 *   carry      BIGINT NOT NULL,    -- refill not yet credited, in 1/period nanodollar, 0 <= carry < period
 *   updated_at BIGINT NOT NULL     -- milliseconds since the epoch
 * );
 * ```
 *
 * Integer arithmetic only, and no intermediate leaves 64 bits: with `e` the elapsed
 * milliseconds, `P` the period, `A` the rate amount, `A = q·P + r`, `e = k·P + e'`, the credit
 * `floor((e·A + carry) / P)` is computed as `k·A + e'·q + floor((e'·r + carry) / P)`, where
 * `e'·r + carry < P² <= 6.7e18` (a month is the longest period) and `k` is clamped to
 * `max_periods = min(floor(4e18 / A), 2^53 - 1)`: a bucket idle that long is full anyway. Balances are bounded by
 * `Number.MAX_SAFE_INTEGER`. Portable spelling: `CASE` instead of `MIN`/`MAX` (scalar in SQLite,
 * aggregates in PostgreSQL) and `LEAST`/`GREATEST` (PostgreSQL only); integer `/` truncates
 * in both, and every operand is non-negative where it divides.
 */

/** Name of the bucket table the statements below use. */
export const BUCKET_TABLE = 'quotas_buckets';

/**
 * A bound integer parameter. The cast makes the statement independent of how a driver binds a
 * JavaScript number (some SQLite drivers bind it as REAL, which would make `/` a float division).
 */
const i = (name: string): string => `CAST(:${name} AS BIGINT)`;

const NOW = i('now');
const PERIOD = i('period');
const CAPACITY = i('capacity');
const E = `(CASE WHEN ${NOW} > b.updated_at THEN ${NOW} - b.updated_at ELSE 0 END)`;
const K = `(CASE WHEN ${E} / ${PERIOD} > ${i('max_periods')} THEN ${i('max_periods')} ELSE ${E} / ${PERIOD} END)`;
const ACC = `((${E} % ${PERIOD}) * ${i('rate_rem')} + (CASE WHEN b.carry < ${PERIOD} THEN b.carry ELSE ${PERIOD} - 1 END))`;
const FILLED = `(b.balance + ${K} * ${i('rate_amount')} + (${E} % ${PERIOD}) * ${i('rate_quot')} + ${ACC} / ${PERIOD})`;
const UPDATED_AT = `updated_at = CASE WHEN ${NOW} > b.updated_at THEN ${NOW} ELSE b.updated_at END`;

/**
 * The atomic charge. Named parameters (bind them with {@link chargeParams}): `:name`, `:now`,
 * `:cost`, `:initial_balance`, `:capacity`, `:period`, `:rate_amount`, `:rate_quot`,
 * `:rate_rem`, `:max_periods`. Returns the row after the charge (`balance`, `carry`,
 * `updated_at`). Drivers with positional parameters need the names rewritten (`?` for SQLite,
 * `$n` for PostgreSQL; a repeated name is one parameter).
 */
export const CHARGE_BUCKET_SQL = [
  `INSERT INTO ${BUCKET_TABLE} AS b (name, balance, carry, updated_at)`,
  `VALUES (:name, ${i('initial_balance')}, 0, ${NOW})`,
  'ON CONFLICT (name) DO UPDATE SET',
  `  balance = (CASE WHEN ${FILLED} >= ${CAPACITY} THEN ${CAPACITY} ELSE ${FILLED} END) - ${i('cost')},`,
  `  carry = CASE WHEN ${FILLED} >= ${CAPACITY} THEN 0 ELSE ${ACC} % ${PERIOD} END,`,
  `  ${UPDATED_AT}`,
  'RETURNING balance, carry, updated_at',
].join('\n');

/** Parameters of {@link CHARGE_BUCKET_SQL}. */
export interface ChargeParams {
  /** Bucket name. */
  readonly name: string;
  /** Now, in milliseconds since the epoch. */
  readonly now: number;
  /** Cost in nanodollars (≥ 0). */
  readonly cost: number;
  /** Balance of a bucket created by this charge: capacity − cost. */
  readonly initial_balance: number;
  /** Capacity in nanodollars. */
  readonly capacity: number;
  /** Rate period in milliseconds. */
  readonly period: number;
  /** Rate amount per period in nanodollars. */
  readonly rate_amount: number;
  /** `rate_amount` div `period`. */
  readonly rate_quot: number;
  /** `rate_amount` mod `period`. */
  readonly rate_rem: number;
  /** Most whole periods credited at once (beyond it the bucket is full anyway). */
  readonly max_periods: number;
}

/** Largest whole-period credit the statement computes (keeps every product within 64 bits). */
const CREDIT_LIMIT = 4_000_000_000_000_000_000n;

/** The parameters of {@link CHARGE_BUCKET_SQL} for a charge of `cost` nanodollars at `now`. */
export function chargeParams(name: string, limits: BucketLimits, now: number, cost: number): ChargeParams {
  if (!Number.isSafeInteger(cost) || cost < 0) throw new RangeError(`cost must be a non-negative integer number of nanodollars (got ${cost})`);
  const { amount, periodMs } = limits.rate;
  return {
    name,
    now,
    cost,
    initial_balance: limits.capacity - cost,
    capacity: limits.capacity,
    period: periodMs,
    rate_amount: amount,
    rate_quot: Math.floor(amount / periodMs),
    rate_rem: amount % periodMs,
    max_periods: amount === 0 ? 0 : Math.min(Number.MAX_SAFE_INTEGER, Number(CREDIT_LIMIT / BigInt(amount))),
  };
}

/**
 * The admin "refill" as one statement: refill for the time elapsed, add `:amount`, cap at
 * capacity (what `topUpBucket` computes). A bucket not yet stored is full, so it is stored full.
 * Parameters as {@link CHARGE_BUCKET_SQL} (from {@link chargeParams} with a cost of 0) plus
 * `:amount`.
 */
export const TOP_UP_BUCKET_SQL = [
  `INSERT INTO ${BUCKET_TABLE} AS b (name, balance, carry, updated_at)`,
  `VALUES (:name, ${CAPACITY}, 0, ${NOW})`,
  'ON CONFLICT (name) DO UPDATE SET',
  `  balance = CASE WHEN ${FILLED} + ${i('amount')} >= ${CAPACITY} THEN ${CAPACITY} ELSE ${FILLED} + ${i('amount')} END,`,
  `  carry = CASE WHEN ${FILLED} + ${i('amount')} >= ${CAPACITY} THEN 0 ELSE ${ACC} % ${PERIOD} END,`,
  `  ${UPDATED_AT}`,
  'RETURNING balance, carry, updated_at',
].join('\n');

/**
 * The admin "set balance" as one statement: `:balance` (already capped at capacity, see
 * `setBucketBalance`), carry restarted. Parameters: `:name`, `:balance`, `:now`.
 */
export const SET_BUCKET_BALANCE_SQL = [
  `INSERT INTO ${BUCKET_TABLE} AS b (name, balance, carry, updated_at)`,
  `VALUES (:name, ${i('balance')}, 0, ${NOW})`,
  'ON CONFLICT (name) DO UPDATE SET',
  `  balance = ${i('balance')},`,
  '  carry = 0,',
  `  ${UPDATED_AT}`,
  'RETURNING balance, carry, updated_at',
].join('\n');
