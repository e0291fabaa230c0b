import assert from 'node:assert/strict';
import {
  type BucketLimits,
  type BucketState,
  bucketIsPositive,
  chargeBucket,
  newBucket,
  parseMoney,
  parseRate,
  refillBucket,
  retryAfterMs,
  retryAfterSeconds,
  setBucketBalance,
  topUpBucket,
} from '@tollgate/plugin-quotas';
import fc from 'fast-check';

const $ = (text: string): number => parseMoney(text, { allowNegative: true });
const limits = (capacity: string, rate: string): BucketLimits => ({ capacity: $(capacity), rate: parseRate(rate) });

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 0, 1);

/** A fake clock: time only moves when the test says so. */
function fakeClock(start = T0): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

describe('token bucket', () => {
  const daily = limits('$10.00', '$5.00/day');

  it('starts full: capacity is the starting balance', () => {
    assert.deepEqual(refillBucket(undefined, daily, T0), { balance: $('$10.00'), carry: 0, updatedAt: T0 });
    assert.deepEqual(newBucket(daily, T0), refillBucket(undefined, daily, T0));
  });

  it('refills at its rate on a fake clock, up to capacity', () => {
    const clock = fakeClock();
    let state: BucketState = chargeBucket(undefined, daily, clock.now(), $('$8.00'));
    assert.equal(state.balance, $('$2.00'));
    clock.advance(12 * HOUR);
    assert.equal(refillBucket(state, daily, clock.now()).balance, $('$4.50'));
    clock.advance(12 * HOUR);
    state = refillBucket(state, daily, clock.now());
    assert.equal(state.balance, $('$7.00'));
    clock.advance(DAY);
    assert.equal(refillBucket(state, daily, clock.now()).balance, $('$10.00'), 'capped at capacity, not $12.00');
  });

  it('lets a charge take the balance below zero (the cost is known only after the answer)', () => {
    const state = chargeBucket(chargeBucket(undefined, daily, T0, $('$9.00')), daily, T0, $('$3.25'));
    assert.equal(state.balance, $('-$2.25'));
    assert.equal(bucketIsPositive(state, daily, T0), false);
  });

  it('caps the balance when the capacity is lowered, even with no time elapsed', () => {
    const full = refillBucket(undefined, daily, T0);
    const smaller = limits('$4.00', '$5.00/day');
    assert.equal(refillBucket(full, smaller, T0).balance, $('$4.00'));
    assert.equal(chargeBucket(full, smaller, T0, $('$1.00')).balance, $('$3.00'));
  });

  it('does not drift: many small refills credit exactly what one large refill does', () => {
    const odd = limits('$10000.00', '$1.234567891/min');
    const start: BucketState = { balance: 0, carry: 0, updatedAt: T0 };
    let stepped = start;
    for (let i = 1; i <= 86_400; i++) stepped = refillBucket(stepped, odd, T0 + i * 1000);
    const once = refillBucket(start, odd, T0 + DAY);
    assert.deepEqual(stepped, once);
    assert.equal(once.balance, 1_234_567_891 * 1440, 'a day of $1.234567891/min is exactly 1440 times it');
    // $5.00/day stepped every millisecond for an hour: 5e9 / 24 nanodollars, exactly (its carry holds the 1/3).
    const fine: BucketState[] = [{ balance: $('-$5.00'), carry: 0, updatedAt: T0 }];
    for (let i = 1; i <= HOUR; i += 997) fine[0] = refillBucket(fine[0], daily, T0 + i);
    fine[0] = refillBucket(fine[0], daily, T0 + HOUR);
    assert.deepEqual(fine[0], refillBucket({ balance: $('-$5.00'), carry: 0, updatedAt: T0 }, daily, T0 + HOUR));
    assert.equal(fine[0]!.balance, $('-$5.00') + Math.floor(5e9 / 24));
  });

  it('is independent of how time is split (property)', () => {
    const arbLimits = fc.record({
      capacity: fc.integer({ min: 0, max: 1e13 }),
      amount: fc.integer({ min: 0, max: 1e12 }),
      unit: fc.constantFrom('min', 'hour', 'day', 'week', 'month'),
    });
    fc.assert(
      fc.property(arbLimits, fc.integer({ min: -1e13, max: 1e13 }), fc.array(fc.integer({ min: 0, max: 40 * DAY }), { maxLength: 20 }), (l, balance, steps) => {
        const lim: BucketLimits = { capacity: l.capacity, rate: parseRate(`$${(l.amount / 1e9).toFixed(9)}/${l.unit}`) };
        const start: BucketState = { balance: Math.min(balance, l.capacity), carry: 0, updatedAt: T0 };
        let t = T0;
        let stepped = start;
        for (const s of steps) stepped = refillBucket(stepped, lim, (t += s));
        assert.deepEqual(stepped, refillBucket(start, lim, t));
      }),
    );
  });

  it('credits nothing when the clock runs behind the last update (another gateway ran ahead)', () => {
    const state: BucketState = { balance: $('$1.00'), carry: 5, updatedAt: T0 + 10_000 };
    assert.deepEqual(refillBucket(state, daily, T0), state);
    assert.equal(chargeBucket(state, daily, T0, $('$0.50')).updatedAt, T0 + 10_000);
  });

  it('clamps a carry from a longer period when the rate unit changes', () => {
    const state: BucketState = { balance: 0, carry: DAY - 1, updatedAt: T0 };
    const perMinute = limits('$10.00', '$0.000000001/min');
    assert.deepEqual(refillBucket(state, perMinute, T0), { balance: 0, carry: 59_999, updatedAt: T0 });
    assert.equal(refillBucket(state, perMinute, T0 + 1).balance, 1);
  });

  it('tops up (admin refill) and sets the balance, both capped at capacity', () => {
    const low: BucketState = { balance: $('$1.00'), carry: 123, updatedAt: T0 };
    assert.equal(topUpBucket(low, daily, T0, $('$5.00')).balance, $('$6.00'));
    assert.deepEqual(topUpBucket(low, daily, T0, $('$50.00')), { balance: $('$10.00'), carry: 0, updatedAt: T0 });
    assert.deepEqual(setBucketBalance(low, daily, T0 + 5, $('$2.00')), { balance: $('$2.00'), carry: 0, updatedAt: T0 + 5 });
    assert.equal(setBucketBalance(low, daily, T0, $('$20.00')).balance, $('$10.00'));
    assert.equal(setBucketBalance(undefined, daily, T0, $('-$3.00')).balance, $('-$3.00'));
    assert.throws(() => topUpBucket(low, daily, T0, -1), RangeError);
    assert.throws(() => chargeBucket(low, daily, T0, 0.5), RangeError);
  });
});

describe('Retry-After', () => {
  const daily = limits('$10.00', '$5.00/day');

  it('is 0 for a positive bucket', () => {
    assert.equal(retryAfterMs(undefined, daily, T0), 0);
    assert.equal(retryAfterSeconds({ balance: 1, carry: 0, updatedAt: T0 }, daily, T0), 0);
  });

  it('counts the time until the bucket holds a nanodollar again, rounded up to seconds', () => {
    const state: BucketState = { balance: $('-$1.00'), carry: 0, updatedAt: T0 };
    // Needs 1e9 + 1 nanodollars at 5e9 per 86.4e6 ms: ceil((1e9 + 1) * 86.4e6 / 5e9) = 17,280,001 ms.
    assert.equal(retryAfterMs(state, daily, T0), 17_280_001);
    assert.equal(retryAfterSeconds(state, daily, T0), 17_281);
    assert.equal(bucketIsPositive(state, daily, T0 + 17_280_000), false);
    assert.equal(bucketIsPositive(state, daily, T0 + 17_280_001), true);
    // Asked later, the wait is shorter by the time passed.
    assert.equal(retryAfterMs(state, daily, T0 + HOUR), 17_280_001 - HOUR);
  });

  it('counts a zero balance as empty (positive means at least one nanodollar)', () => {
    const slow = limits('$0.01', '$0.00001/min'); // 10,000 nanodollars per 60,000 ms: one every 6 ms
    assert.equal(retryAfterMs({ balance: 0, carry: 0, updatedAt: T0 }, slow, T0), 6);
    // carry is in 1/60,000 nanodollar: 30,000 is half a nanodollar already accrued, so 3 ms are left.
    assert.equal(retryAfterMs({ balance: 0, carry: 30_000, updatedAt: T0 }, slow, T0), 3);
  });

  it('is null when the bucket never refills by itself', () => {
    assert.equal(retryAfterSeconds(undefined, limits('$0.00', '$5.00/day'), T0), null);
    assert.equal(retryAfterSeconds({ balance: -1, carry: 0, updatedAt: T0 }, limits('$10.00', '$0.00/day'), T0), null);
  });

  it('includes the time until a future updatedAt (another gateway ran ahead)', () => {
    const state: BucketState = { balance: 0, carry: 0, updatedAt: T0 + 1000 };
    assert.equal(retryAfterMs(state, limits('$1.00', '$0.06/min'), T0), 1000 + 1);
  });

  it('is exact: positive at now + wait, not a millisecond earlier (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e13 }),
        fc.integer({ min: 1, max: 1e12 }),
        fc.constantFrom('min', 'hour', 'day', 'week', 'month'),
        fc.integer({ min: -1e13, max: 0 }),
        fc.nat(),
        (capacity, amount, unit, balance, carrySeed) => {
          const lim: BucketLimits = { capacity, rate: parseRate(`$${(amount / 1e9).toFixed(9)}/${unit}`) };
          const state: BucketState = { balance, carry: carrySeed % lim.rate.periodMs, updatedAt: T0 };
          const wait = retryAfterMs(state, lim, T0);
          assert.ok(wait !== null && wait > 0);
          fc.pre(T0 + wait < Number.MAX_SAFE_INTEGER / 2); // millisecond timestamps stay exact (waits of < 140,000 years)
          assert.equal(bucketIsPositive(state, lim, T0 + wait), true);
          assert.equal(bucketIsPositive(state, lim, T0 + wait - 1), false);
        },
      ),
    );
  });
});
