import { TollgateError } from '@tollgate/core';
import { MONEY_INVALID, formatMoney, parseMoney } from './money.js';

/** Refill-rate units of Aperture's quotas; a month is 30 days. */
export type RateUnit = 'min' | 'hour' | 'day' | 'week' | 'month';

const MINUTE_MS = 60_000;

/** Length of each {@link RateUnit} in milliseconds (`month` = 30 days). */
export const RATE_UNIT_MS: Readonly<Record<RateUnit, number>> = Object.freeze({
  min: MINUTE_MS,
  hour: 60 * MINUTE_MS,
  day: 24 * 60 * MINUTE_MS,
  week: 7 * 24 * 60 * MINUTE_MS,
  month: 30 * 24 * 60 * MINUTE_MS,
});

/**
 * A refill rate as an exact rational: `amount` nanodollars every `periodMs` milliseconds. It is
 * never turned into a float per millisecond; refills multiply elapsed time by `amount` and divide
 * by `periodMs` in integer arithmetic (see `refillBucket`), so they do not drift.
 */
export interface Rate {
  /** Nanodollars added per period (≥ 0). */
  readonly amount: number;
  /** The period's unit. */
  readonly unit: RateUnit;
  /** The period in milliseconds. */
  readonly periodMs: number;
  /** Canonical text (`"$5.00/day"`), as sent in `metadata.quotas[bucket].rate`. */
  readonly text: string;
}

const RATE = /^(.*?)\s*\/\s*([A-Za-z]+)$/;

/**
 * Parses a refill rate (`"$5.00/day"`, `"$0.50/hour"`; units `min`, `hour`, `day`, `week`,
 * `month` = 30 days). The amount follows {@link parseMoney} and may not be negative. Throws a
 * `TG_ERR_MONEY_INVALID` error saying what is wrong.
 */
export function parseRate(text: string): Rate {
  if (typeof text !== 'string') throw new TollgateError(MONEY_INVALID, `expected a rate like "$5.00/day", got ${typeof text}`);
  const match = RATE.exec(text.trim());
  if (match === null) throw new TollgateError(MONEY_INVALID, `${JSON.stringify(text)} is not a rate (expected an amount per unit, like "$5.00/day")`);
  const [, amountText = '', unitText = ''] = match;
  if (!Object.hasOwn(RATE_UNIT_MS, unitText)) {
    throw new TollgateError(MONEY_INVALID, `${JSON.stringify(text)}: unknown rate unit "${unitText}" (expected one of ${Object.keys(RATE_UNIT_MS).join(', ')})`);
  }
  const unit = unitText as RateUnit;
  const amount = parseMoney(amountText);
  return rateOf(amount, unit);
}

/** Builds a {@link Rate} of `amount` nanodollars per `unit`. */
export function rateOf(amount: number, unit: RateUnit): Rate {
  if (!Number.isSafeInteger(amount) || amount < 0) throw new TollgateError(MONEY_INVALID, `a rate amount must be a non-negative integer number of nanodollars (got ${amount})`);
  return Object.freeze({ amount, unit, periodMs: RATE_UNIT_MS[unit], text: `${formatMoney(amount)}/${unit}` });
}
