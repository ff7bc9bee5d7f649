import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decimalToMinorUnits, toMajorUnits, toMinorUnits } from '../../domain/shared/money.ts';
import { priceSchema } from './money-input.ts';

const MAX_CENTS = 1_000_000_000; // 10,000,000.00
const asText = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;

/** Every way an amount travels: JSON text → number → cents → number → JSON text. */
const roundTrips = (cents: number) => {
  const sent = JSON.parse(asText(cents)) as number; // what express.json hands the route
  return (
    toMinorUnits(sent) === cents &&
    decimalToMinorUnits(asText(cents)) === cents &&
    toMajorUnits(cents) === sent &&
    JSON.stringify(toMajorUnits(cents)) === JSON.stringify(sent) &&
    (cents === 0 || priceSchema.parse(sent) === cents)
  );
};

describe('money: text ↔ integer cents with no float step', { timeout: 30_000 }, () => {
  it('every amount from 0.00 to 10,000,000.00 round-trips exactly through JSON', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: MAX_CENTS }), roundTrips), {
      numRuns: 20_000,
      examples: [[0], [1], [99], [123_456_789], [999_999_999], [MAX_CENTS], [52_429_643]],
    });
  });

  it('every cent of a band where float parsing used to fail is exact', () => {
    const wrong: number[] = [];
    for (let cents = 52_429_600; cents < 52_439_600; cents += 1) if (!roundTrips(cents)) wrong.push(cents);
    expect(wrong).toEqual([]);
  });

  it('takes the issue-12 prices and refuses a third decimal', () => {
    expect(priceSchema.parse(1234567.89)).toBe(123_456_789);
    expect(priceSchema.parse(9999999.99)).toBe(999_999_999);
    expect(priceSchema.safeParse(10.005).success).toBe(false);
    expect(priceSchema.safeParse(0.1 + 0.2).success).toBe(false); // 0.30000000000000004
    expect(decimalToMinorUnits('1.5e2')).toBe(15_000);
    expect(() => decimalToMinorUnits('1.001')).toThrow();
    expect(() => decimalToMinorUnits('1e400')).toThrow();
    expect(() => decimalToMinorUnits('12a')).toThrow();
  });
});
