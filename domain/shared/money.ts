import { z } from 'zod';
import { invalid } from './errors.ts';

/** Money is an integer number of minor units plus an ISO 4217 currency; never a float. */
export type Money = { amount: number; currency: string };

export const currencySchema = z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code, e.g. USD');
export const minorUnitsSchema = z.number().int().safe();
export const moneySchema = z.object({ amount: minorUnitsSchema, currency: currencySchema });

export const DEFAULT_CURRENCY = 'USD';

/**
 * A decimal text (`1234567.89`, `12`, `1.5e2`) to integer minor units, digit by digit: no float step, so
 * every two-decimal amount is exact (1234567.89 and 9999999.99 included). More than two decimals, a sign
 * other than `-`, or a result beyond safe integers is refused.
 */
export function decimalToMinorUnits(text: string, field = 'price'): number {
  const match = /^(-?)(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d{1,4}))?$/.exec(text);
  if (!match) throw invalid(field, 'must be a decimal number');
  const fraction = match[3] ?? '';
  const digits = `${match[2]}${fraction}`;
  // value = digits × 10^exponent; minor units = digits × 10^(exponent + 2)
  const shift = Number(match[4] ?? '0') - fraction.length + 2;
  let minor: bigint;
  if (shift >= 0) minor = BigInt(digits) * 10n ** BigInt(shift);
  else {
    const cut = digits.length + shift;
    if (/[1-9]/.test(digits.slice(Math.max(cut, 0)))) throw invalid(field, 'at most two decimals');
    minor = cut > 0 ? BigInt(digits.slice(0, cut)) : 0n;
  }
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) throw invalid(field, 'too large');
  const value = Number(minor);
  return match[1] === '-' && value !== 0 ? -value : value;
}

/**
 * Parses the API's two-decimal JSON number (`99.99`) into minor units without float arithmetic: the
 * number's shortest round-trip text (what JSON.parse read, for any amount of up to 15 digits) is
 * converted exactly by decimalToMinorUnits.
 */
export function toMinorUnits(value: number, field = 'price'): number {
  if (!Number.isFinite(value)) throw invalid(field, 'must be a finite number');
  return decimalToMinorUnits(String(value), field);
}

/** Minor units back to the API's number with two decimals (9999 → 99.99), built from its digits. */
export const toMajorUnits = (minor: number): number => {
  const text = String(Math.abs(minor)).padStart(3, '0');
  const sign = minor < 0 ? '-' : '';
  return Number(`${sign}${text.slice(0, -2)}.${text.slice(-2)}`);
};

/** A rate as an exact fraction: `TAX_RATE=0.08` becomes { numerator: 8, denominator: 100 }. */
export type Rate = { numerator: number; denominator: number };

export function parseRate(text: string): Rate {
  const match = /^(\d+)(?:\.(\d{1,6}))?$/.exec(text.trim());
  if (!match) throw invalid('rate', `not a decimal rate: ${text}`);
  const decimals = match[2] ?? '';
  const denominator = 10 ** decimals.length;
  return { numerator: Number(match[1]) * denominator + Number(decimals || '0'), denominator };
}

/** amount × rate, rounded half to even (banker's rounding), in integer arithmetic. */
export function applyRate(amount: number, rate: Rate): number {
  const product = BigInt(amount) * BigInt(rate.numerator);
  const denominator = BigInt(rate.denominator);
  const quotient = product / denominator;
  const remainder = product % denominator;
  const twice = remainder * 2n;
  if (twice > denominator || (twice === denominator && quotient % 2n !== 0n)) return Number(quotient + 1n);
  return Number(quotient);
}

export const money = (amount: number, currency = DEFAULT_CURRENCY): Money => ({ amount, currency });
