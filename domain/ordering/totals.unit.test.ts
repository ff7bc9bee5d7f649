import { describe, expect, it } from 'vitest';
import { DomainError, ErrorCode } from '../shared/errors.ts';
import { parseRate } from '../shared/money.ts';
import { lineSubtotal, orderTotals, type PricingConfig } from './totals.ts';

// API.md defaults: TAX_RATE 0.08, SHIPPING_FLAT 10.00, FREE_SHIPPING_OVER 100.00.
const defaults: PricingConfig = { taxRate: parseRate('0.08'), shippingFlat: 1000, freeShippingOver: 10000 };
const one = (unitPrice: number, quantity = 1) => [{ unitPrice, quantity }];

describe('order totals', () => {
  it('sums lines, taxes the subtotal and adds flat shipping below the threshold', () => {
    const lines = [
      { unitPrice: 1999, quantity: 2 },
      { unitPrice: 550, quantity: 3 },
    ];
    // subtotal 5648; tax 451.84 → 452; shipping 1000
    expect(orderTotals(lines, defaults)).toMatchObject({
      subtotal: 5648,
      tax: 452,
      shipping_cost: 1000,
      total: 7100,
    });
    expect(lineSubtotal({ unitPrice: 1999, quantity: 2 })).toBe(3998);
  });

  it('ships free at exactly the threshold, not one cent below', () => {
    expect(orderTotals(one(10000), defaults)).toMatchObject({
      subtotal: 10000,
      tax: 800,
      shipping_cost: 0,
      total: 10800,
    });
    expect(orderTotals(one(9999), defaults)).toMatchObject({
      subtotal: 9999,
      tax: 800,
      shipping_cost: 1000,
      total: 11799,
    });
  });

  it('does not tax shipping', () => {
    expect(orderTotals(one(100), defaults).tax).toBe(8);
  });

  it('rounds the tax half to even (banker’s rounding) on the exact half cent', () => {
    const fivePercent = { ...defaults, taxRate: parseRate('0.05') };
    // 10.10 × 5% = 0.505 → 0.50 (0 is even); 10.30 × 5% = 0.515 → 0.52 (2 is even)
    expect(orderTotals(one(1010), fivePercent).tax).toBe(50);
    expect(orderTotals(one(1030), fivePercent).tax).toBe(52);
    // 0.50 × 5% = 0.025 → 0.02; 0.70 × 5% = 0.035 → 0.04
    expect(orderTotals(one(50), fivePercent).tax).toBe(2);
    expect(orderTotals(one(70), fivePercent).tax).toBe(4);
    // Half-up would give 51 and 3 here; half-even must not.
    expect(orderTotals(one(1010), fivePercent).tax).not.toBe(51);
    expect(orderTotals(one(50), fivePercent).tax).not.toBe(3);
  });

  it('rounds other fractions to the nearest cent', () => {
    expect(orderTotals(one(1999), defaults).tax).toBe(160); // 159.92
    expect(orderTotals(one(1006), defaults).tax).toBe(80); // 80.48
    expect(orderTotals(one(1007), defaults).tax).toBe(81); // 80.56
  });

  it('takes a zero tax rate and zero shipping', () => {
    const free = { taxRate: parseRate('0'), shippingFlat: 0, freeShippingOver: 0 };
    expect(orderTotals(one(1234, 2), free)).toMatchObject({
      subtotal: 2468,
      tax: 0,
      shipping_cost: 0,
      total: 2468,
    });
  });

  it.each([
    ['a zero denominator', { ...defaults, taxRate: { numerator: 8, denominator: 0 } }, 'pricing.tax_rate'],
    ['a negative rate', { ...defaults, taxRate: { numerator: -8, denominator: 100 } }, 'pricing.tax_rate'],
    ['negative shipping', { ...defaults, shippingFlat: -1 }, 'pricing.shipping_flat'],
    ['fractional threshold', { ...defaults, freeShippingOver: 100.5 }, 'pricing.free_shipping_over'],
  ])('refuses %s', (_, pricing, field) => {
    const error = (() => {
      try {
        orderTotals(one(100), pricing);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe(ErrorCode.ValidationFailed);
    expect((error as DomainError).details[0]?.field).toBe(field);
  });

  it('refuses a total beyond safe integers', () => {
    expect(() => orderTotals(one(Number.MAX_SAFE_INTEGER), defaults)).toThrow(DomainError);
  });
});

describe('orderTotals with a coupon', () => {
  const pricing = { taxRate: parseRate('0.08'), shippingFlat: 1000, freeShippingOver: 10_000 };
  it('takes the discount off before tax, never below 0; shipping looks at the subtotal', () => {
    expect(orderTotals([{ quantity: 1, unitPrice: 10_000 }], pricing, 1_000)).toEqual({
      subtotal: 10_000,
      discount: 1_000,
      tax: 720,
      shipping_cost: 0,
      total: 9_720,
    });
    expect(orderTotals([{ quantity: 1, unitPrice: 500 }], pricing, 900)).toMatchObject({
      discount: 500,
      tax: 0,
      total: 1000,
    });
  });
});
