import { z } from 'zod';
import { invalid } from './errors.ts';

/** Money is an integer number of minor units plus an ISO 4217 currency; never a float. */
export type Money = { amount: number; currency: string };

export const currencySchema = z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code, e.g. USD');
export const minorUnitsSchema = z.number().int().safe();
export const moneySchema = z.object({ amount: minorUnitsSchema, currency: currencySchema });

export const DEFAULT_CURRENCY = 'USD';

/** Parses the API's two-decimal JSON number (`99.99`) into minor units without float arithmetic. */
export function toMinorUnits(value: number, field = 'price'): number {
  if (!Number.isFinite(value)) throw invalid(field, 'must be a finite number');
  const text = value.toFixed(10);
  const match = /^(-?)(\d+)\.(\d{2})(\d*)$/.exec(text);
  if (!match || /[1-9]/.test(match[4] ?? '')) throw invalid(field, 'at most two decimals');
  const minor = Number(match[2]) * 100 + Number(match[3]);
  if (!Number.isSafeInteger(minor)) throw invalid(field, 'too large');
  return match[1] === '-' ? -minor : minor;
}

/** Minor units back to the API's number with two decimals (9999 → 99.99). */
export const toMajorUnits = (minor: number): number => Number((minor / 100).toFixed(2));

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
