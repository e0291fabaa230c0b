import type { Rate } from '../money/rate.js';

/**
 * Token-bucket arithmetic of Aperture's dollar quotas, as pure functions over integer
 * nanodollars and millisecond timestamps. Time is always a parameter (`now`), so tests drive a
 * fake clock and the store's atomic statement (see `atomic-charge.ts`) computes exactly the same
 * thing in SQL.
 *
 * The refill is exact: `elapsed × amount / period` is computed in integer arithmetic and the part
 * of a nanodollar not yet credited is kept in `carry` (in 1/period nanodollar units), so a bucket
 * refilled a thousand times a second gains exactly what one refilled once a day does.
 */

/** A bucket's size and refill rate (from its `quotas` definition). */
export interface BucketLimits {
  /** Most the balance can hold, in nanodollars; also the starting balance. */
  readonly capacity: number;
  /** Refill rate. */
  readonly rate: Rate;
}

/** A bucket's stored state. */
export interface BucketState {
  /** Balance in nanodollars; negative after a charge larger than what was left. */
  readonly balance: number;
  /**
   * Refill accrued but not yet credited, in units of 1/`rate.periodMs` nanodollar
   * (`0 <= carry < periodMs`). Zero whenever the bucket is full.
   */
  readonly carry: number;
  /** When the balance was last brought up to date (milliseconds since the epoch). */
  readonly updatedAt: number;
}

/** A clock in milliseconds since the epoch; inject a fake one in tests. */
export type Clock = () => number;

/** The real clock. */
export const systemClock: Clock = () => Date.now();

/** A bucket that has never been charged: full (capacity is also the starting balance). */
export function newBucket(limits: BucketLimits, now: number): BucketState {
  return { balance: limits.capacity, carry: 0, updatedAt: now };
}

/**
 * The bucket brought up to `now`: the balance grows by the rate for the time elapsed since
 * `updatedAt`, up to capacity. A balance above capacity (the capacity was lowered) is capped. A
 * `now` earlier than `updatedAt` (another gateway's clock ran ahead) credits nothing and keeps
 * `updatedAt`. An absent state is a {@link newBucket}.
 */
export function refillBucket(state: BucketState | undefined, limits: BucketLimits, now: number): BucketState {
  if (state === undefined) return newBucket(limits, now);
  const period = BigInt(limits.rate.periodMs);
  const elapsed = BigInt(Math.max(0, now - state.updatedAt));
  // A carry from a longer period (the rate's unit changed) is at most one nanodollar: clamp it.
  const carry = BigInt(Math.min(Math.max(0, state.carry), limits.rate.periodMs - 1));
  const accrued = elapsed * BigInt(limits.rate.amount) + carry;
  const filled = BigInt(state.balance) + accrued / period;
  const updatedAt = Math.max(state.updatedAt, now);
  if (filled >= BigInt(limits.capacity)) return { balance: limits.capacity, carry: 0, updatedAt };
  return { balance: Number(filled), carry: Number(accrued % period), updatedAt };
}

/**
 * Charges `cost` nanodollars at `now`: refill, then subtract. The balance may go negative: the
 * cost is only known after the answer, which is never cut short by its own price.
 */
export function chargeBucket(state: BucketState | undefined, limits: BucketLimits, now: number, cost: number): BucketState {
  assertAmount(cost, 'cost');
  const current = refillBucket(state, limits, now);
  return { ...current, balance: current.balance - cost };
}

/** Adds `amount` nanodollars at `now` (the admin "refill"), capped at capacity. */
export function topUpBucket(state: BucketState | undefined, limits: BucketLimits, now: number, amount: number): BucketState {
  assertAmount(amount, 'amount');
  const current = refillBucket(state, limits, now);
  const balance = current.balance + amount;
  return balance >= limits.capacity ? { balance: limits.capacity, carry: 0, updatedAt: current.updatedAt } : { ...current, balance };
}

/** Sets the balance at `now` (the admin "set balance"), capped at capacity; the carry restarts. */
export function setBucketBalance(state: BucketState | undefined, limits: BucketLimits, now: number, balance: number): BucketState {
  if (!Number.isSafeInteger(balance)) throw new RangeError(`balance must be an integer number of nanodollars (got ${balance})`);
  return { balance: Math.min(balance, limits.capacity), carry: 0, updatedAt: Math.max(state?.updatedAt ?? now, now) };
}

/** True when the bucket, brought up to `now`, holds at least one nanodollar. */
export function bucketIsPositive(state: BucketState | undefined, limits: BucketLimits, now: number): boolean {
  return refillBucket(state, limits, now).balance > 0;
}

/**
 * Milliseconds from `now` until the bucket is positive again: `0` when it already is, `null`
 * when it never will be by itself (capacity `$0.00`, or a zero rate; only an admin can refill it).
 */
export function retryAfterMs(state: BucketState | undefined, limits: BucketLimits, now: number): number | null {
  const current = refillBucket(state, limits, now);
  if (current.balance > 0) return 0;
  if (limits.capacity <= 0 || limits.rate.amount <= 0) return null;
  // Positive means >= 1 nanodollar: find the least t with floor((t*amount + carry) / period) >= need.
  const need = BigInt(1 - current.balance);
  const amount = BigInt(limits.rate.amount);
  const numerator = need * BigInt(limits.rate.periodMs) - BigInt(current.carry);
  const waitFromUpdate = (numerator + amount - 1n) / amount;
  return Number(waitFromUpdate) + (current.updatedAt - now);
}

/**
 * Whole seconds for a `Retry-After` header: {@link retryAfterMs} rounded up, so a client that
 * waits that long finds the bucket positive (`0` when it already is, `null` for never).
 */
export function retryAfterSeconds(state: BucketState | undefined, limits: BucketLimits, now: number): number | null {
  const ms = retryAfterMs(state, limits, now);
  return ms === null ? null : Math.ceil(ms / 1000);
}

function assertAmount(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer number of nanodollars (got ${value})`);
}
