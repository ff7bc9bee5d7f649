import { z } from 'zod';
import { toMajorUnits, toMinorUnits } from '../../domain/shared/money.ts';

// The largest price we take: far above any shop's, and well inside safe integers once in minor units.
const MAX_PRICE = 10_000_000;

/** True when the number has at most two decimals (99.99 yes, 99.999 no), decided without float maths. */
const hasTwoDecimals = (value: number) => {
  try {
    toMinorUnits(value);
    return true;
  } catch {
    return false;
  }
};

/**
 * A price as the API takes it: a positive JSON number with at most two decimals (`99.99`), turned
 * into integer minor units (`9999`) before anything else sees it.
 */
export const priceSchema = z
  .number()
  .positive('must be greater than 0')
  .max(MAX_PRICE, `at most ${MAX_PRICE}`)
  .refine(hasTwoDecimals, 'at most two decimals')
  .transform((value) => toMinorUnits(value));

/** A signed amount (a variant's price adjustment): like a price, but zero or negative allowed. */
export const signedMoneySchema = z
  .number()
  .min(-MAX_PRICE, `at least -${MAX_PRICE}`)
  .max(MAX_PRICE, `at most ${MAX_PRICE}`)
  .refine(hasTwoDecimals, 'at most two decimals')
  .transform((value) => toMinorUnits(value, 'price_adjustment'));

/** Minor units back to the API's two-decimal number. */
export const apiMoney = (minor: number): number => toMajorUnits(minor);
