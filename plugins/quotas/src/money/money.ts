import { TollgateError } from '@tollgate/core';

/**
 * Dollar amounts as integer **nanodollars** (1 dollar = 10⁹ nanodollars), the unit of quota
 * balances and of Aperture's `metadata.quotas`. Text is parsed with string and BigInt arithmetic,
 * never through a float, so `"$0.1"` is exactly 100000000.
 */

/** Nanodollars in one dollar. */
export const NANODOLLARS_PER_DOLLAR = 1_000_000_000;

/** Error code of a dollar amount or rate that cannot be parsed. */
export const MONEY_INVALID = 'TG_ERR_MONEY_INVALID';

/** Largest amount representable exactly: `Number.MAX_SAFE_INTEGER` nanodollars (about $9 million). */
export const MAX_NANODOLLARS = Number.MAX_SAFE_INTEGER;

const MONEY = /^(-)?\$(\d+)(?:\.(\d+))?$/;
const NANO_DIGITS = 9;
const NANO = BigInt(NANODOLLARS_PER_DOLLAR);

/** Options of {@link parseMoney}. */
export interface ParseMoneyOptions {
  /** Accept a leading minus (`-$1.50`), e.g. for a balance set below zero. @default false */
  readonly allowNegative?: boolean;
}

/** Quotes a value for an error message, shortened so that a huge input cannot flood a log. */
function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/**
 * Parses a dollar amount (`"$10.00"`, `"$0.005"`, `"$5"`) into integer nanodollars, exactly.
 * Surrounding whitespace is ignored; anything else that is not `$`, digits, and at most nine
 * decimals (nanodollar precision) is refused with a {@link MONEY_INVALID} error that says why.
 */
export function parseMoney(text: string, options: ParseMoneyOptions = {}): number {
  if (typeof text !== 'string') throw new TollgateError(MONEY_INVALID, `expected a dollar amount like "$10.00", got ${typeof text}`);
  const match = MONEY.exec(text.trim());
  if (match === null) throw new TollgateError(MONEY_INVALID, `${quote(text)} is not a dollar amount (expected "$" and digits, like "$10.00" or "$0.005")`);
  const [, minus, whole = '', fraction = ''] = match;
  if (minus !== undefined && options.allowNegative !== true) throw new TollgateError(MONEY_INVALID, `${quote(text)}: a negative amount is not allowed here`);
  if (fraction.length > NANO_DIGITS) throw new TollgateError(MONEY_INVALID, `${quote(text)} has more than ${NANO_DIGITS} decimals (amounts are kept in nanodollars)`);
  const nano = BigInt(whole) * NANO + BigInt(fraction.padEnd(NANO_DIGITS, '0'));
  if (nano > BigInt(MAX_NANODOLLARS)) throw new TollgateError(MONEY_INVALID, `${quote(text)} is too large (at most ${formatMoney(MAX_NANODOLLARS)})`);
  const value = Number(nano);
  return minus === undefined || value === 0 ? value : -value;
}

/**
 * Formats integer nanodollars as text: `$` with at least two decimals and as many more as the
 * amount needs (`10000000000` → `"$10.00"`, `5000000` → `"$0.005"`, `-1500000000` → `"-$1.50"`).
 * `parseMoney(formatMoney(n), { allowNegative: true }) === n` for every safe integer.
 */
export function formatMoney(nanodollars: number): string {
  if (!Number.isSafeInteger(nanodollars)) throw new TollgateError(MONEY_INVALID, `${quote(nanodollars)} is not an integer number of nanodollars`);
  const sign = nanodollars < 0 ? '-' : '';
  const abs = BigInt(Math.abs(nanodollars));
  const whole = abs / NANO;
  const fraction = (abs % NANO).toString().padStart(NANO_DIGITS, '0').replace(/0+$/, '').padEnd(2, '0');
  return `${sign}$${whole}.${fraction}`;
}

/** Nanodollars as (float) dollars, for display and payloads: `n / 10⁹`, the nearest double. */
export function nanodollarsToDollars(nanodollars: number): number {
  return nanodollars / NANODOLLARS_PER_DOLLAR;
}
