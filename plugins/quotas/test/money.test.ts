import assert from 'node:assert/strict';
import { TollgateError } from '@tollgate/core';
import { MAX_NANODOLLARS, MONEY_INVALID, RATE_UNIT_MS, formatMoney, nanodollarsToDollars, parseMoney, parseRate } from '@tollgate/plugin-quotas';
import fc from 'fast-check';

const rejects = (fn: () => unknown, pattern: RegExp): void =>
  assert.throws(fn, (err: unknown) => TollgateError.is(err, MONEY_INVALID) && pattern.test((err as Error).message));

describe('parseMoney', () => {
  it('parses dollar amounts into exact integer nanodollars', () => {
    assert.equal(parseMoney('$10.00'), 10_000_000_000);
    assert.equal(parseMoney('$0.005'), 5_000_000);
    assert.equal(parseMoney('$5'), 5_000_000_000);
    assert.equal(parseMoney('$0.1'), 100_000_000); // 0.1 * 1e9 in floats is fine here, but 0.1 + 0.2 is not: no float is involved
    assert.equal(parseMoney('$0.000000001'), 1);
    assert.equal(parseMoney('$0.00'), 0);
    assert.equal(parseMoney(' $1.50 '), 1_500_000_000);
    assert.equal(parseMoney('$9007199.254740991'), MAX_NANODOLLARS);
    assert.equal(parseMoney('$0123.40'), 123_400_000_000);
  });

  it('accepts a negative amount only when asked to', () => {
    assert.equal(parseMoney('-$1.50', { allowNegative: true }), -1_500_000_000);
    assert.ok(Object.is(parseMoney('-$0.00', { allowNegative: true }), 0));
    rejects(() => parseMoney('-$1.50'), /negative amount is not allowed/);
  });

  it('refuses junk with a message that says why', () => {
    for (const junk of ['10.00', '$', '$.50', '$1.', '$1,000.00', '$1e3', '$-1', '$ 1', 'USD 1', '', '1$', '$1.5.0', '$0x10', '$１０', '$Infinity', '$NaN']) {
      rejects(() => parseMoney(junk), /is not a dollar amount/);
    }
    rejects(() => parseMoney('$0.0000000001'), /more than 9 decimals/);
    rejects(() => parseMoney('$9007199.254740992'), /too large \(at most \$9007199\.254740991\)/);
    rejects(() => parseMoney(10 as unknown as string), /got number/);
  });

  it('shortens a huge input in its message', () => {
    assert.throws(() => parseMoney(`$${'9'.repeat(10_000)}x`), (err: Error) => err.message.length < 200);
  });

  it('reads any amount with up to nine decimals exactly (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 9_007_198n }), fc.stringMatching(/^[0-9]{0,9}$/), (whole, fraction) => {
        const text = fraction === '' ? `$${whole}` : `$${whole}.${fraction}`;
        assert.equal(BigInt(parseMoney(text)), whole * 1_000_000_000n + BigInt(fraction.padEnd(9, '0')));
      }),
    );
  });
});

describe('formatMoney', () => {
  it('writes at least two decimals and as many more as needed', () => {
    assert.equal(formatMoney(10_000_000_000), '$10.00');
    assert.equal(formatMoney(5_000_000), '$0.005');
    assert.equal(formatMoney(1), '$0.000000001');
    assert.equal(formatMoney(0), '$0.00');
    assert.equal(formatMoney(-1_500_000_000), '-$1.50');
    assert.equal(formatMoney(123_456_789_012), '$123.456789012');
  });

  it('refuses what is not a safe integer', () => {
    for (const bad of [0.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1]) assert.throws(() => formatMoney(bad), (err: unknown) => TollgateError.is(err, MONEY_INVALID));
  });

  it('round-trips with parseMoney for every safe integer (property)', () => {
    fc.assert(fc.property(fc.maxSafeInteger(), (n) => assert.equal(parseMoney(formatMoney(n), { allowNegative: true }), n === 0 ? 0 : n)));
  });

  it('converts to dollars as the nearest double', () => {
    assert.equal(nanodollarsToDollars(34_200_000), 0.0342);
  });
});

describe('parseRate', () => {
  it('parses an amount per unit, a month being 30 days', () => {
    const rate = parseRate('$5.00/day');
    assert.deepEqual({ ...rate }, { amount: 5_000_000_000, unit: 'day', periodMs: 86_400_000, text: '$5.00/day' });
    assert.equal(parseRate('$1/min').periodMs, 60_000);
    assert.equal(parseRate('$1/hour').periodMs, 3_600_000);
    assert.equal(parseRate('$1/week').periodMs, 7 * 86_400_000);
    assert.equal(parseRate('$1/month').periodMs, 30 * 86_400_000);
    assert.deepEqual(Object.keys(RATE_UNIT_MS), ['min', 'hour', 'day', 'week', 'month']);
  });

  it('writes its canonical text', () => {
    assert.equal(parseRate('$5/day').text, '$5.00/day');
    assert.equal(parseRate(' $0.005 / hour ').text, '$0.005/hour');
    assert.equal(parseRate('$0.00/month').amount, 0);
  });

  it('refuses unknown units, missing parts and negative amounts', () => {
    rejects(() => parseRate('$5.00/days'), /unknown rate unit "days" \(expected one of min, hour, day, week, month\)/);
    rejects(() => parseRate('$5.00/Day'), /unknown rate unit "Day"/);
    rejects(() => parseRate('$5.00/second'), /unknown rate unit "second"/);
    rejects(() => parseRate('$5.00'), /is not a rate/);
    rejects(() => parseRate('$5.00/'), /is not a rate/);
    rejects(() => parseRate('5/day'), /is not a dollar amount/);
    rejects(() => parseRate('-$1/day'), /negative amount is not allowed/);
    rejects(() => parseRate('$5.00/day/x'), /unknown rate unit "x"/);
  });
});
