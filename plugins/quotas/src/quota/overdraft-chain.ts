import { type BucketLimits, type BucketState, refillBucket } from './token-bucket.js';

/**
 * **Provisional, not exposed in the config.** Aperture's overdraft chains (since Sep 2026): a
 * chain charges its primary bucket first and borrows the rest from the next bucket in order; one
 * request may split across buckets; it is refused only when the whole chain cannot cover it; the
 * last bucket may go negative, and then the chain stays blocked until a refill. The JSON key of
 * a chain is not public, so no config reaches this code yet; it fixes the arithmetic so that the
 * plugin can expose chains once the key is known. Tollgate's reading:
 *
 * - the chain's **available** amount is the positive balances of every bucket but the last, plus
 *   the last bucket's balance as it is (a debt on the last bucket is paid first by the others);
 * - a request is admitted when the available amount is positive;
 * - a cost is taken from each bucket in order, at most its positive balance, and the remainder
 *   from the last bucket, which may go negative.
 */

/** One bucket of a chain, in chain order. */
export interface ChainLink {
  /** Bucket name. */
  readonly name: string;
  /** Its limits. */
  readonly limits: BucketLimits;
  /** Its stored state (absent: full). */
  readonly state: BucketState | undefined;
}

/** The part of a cost one bucket of a chain pays. */
export interface ChainShare {
  /** Bucket name. */
  readonly name: string;
  /** Nanodollars charged to it (≥ 0). */
  readonly amount: number;
}

/** The chain's available nanodollars at `now` (see the module comment). */
export function chainAvailable(links: readonly ChainLink[], now: number): number {
  let available = 0;
  links.forEach((link, i) => {
    const balance = refillBucket(link.state, link.limits, now).balance;
    available += i === links.length - 1 ? balance : Math.max(0, balance);
  });
  return available;
}

/** True when the chain may take a request at `now`. An empty chain admits (nothing to enforce). */
export function chainAdmits(links: readonly ChainLink[], now: number): boolean {
  return links.length === 0 || chainAvailable(links, now) > 0;
}

/**
 * Splits `cost` across the chain at `now`: each bucket in order pays up to its positive balance,
 * the last bucket pays the remainder (and may go negative). The shares sum to `cost`; buckets
 * paying nothing are listed with 0, so every bucket is brought up to date by its charge.
 */
export function planChainCharge(links: readonly ChainLink[], now: number, cost: number): ChainShare[] {
  if (!Number.isSafeInteger(cost) || cost < 0) throw new RangeError(`cost must be a non-negative integer number of nanodollars (got ${cost})`);
  let remaining = cost;
  return links.map((link, i) => {
    if (i === links.length - 1) {
      const amount = remaining;
      remaining = 0;
      return { name: link.name, amount };
    }
    const amount = Math.min(remaining, Math.max(0, refillBucket(link.state, link.limits, now).balance));
    remaining -= amount;
    return { name: link.name, amount };
  });
}
