import { describe, expect, it } from 'vitest';
import { DomainError } from '../shared/errors.ts';
import { type PriceInput, priceLine } from './price-calculation.ts';
import type { RuleScope } from './rule.ts';
import { all, amount, percent, rule } from './test-rules.ts';

const now = '2026-01-15T10:00:00.000Z';
const product = { productId: 'prd_laptop', category: 'Electronics', price: 50_000 };
const price = (input: Partial<PriceInput>) =>
  priceLine({ product, quantity: 1, tier: 'none', rules: [], now, ...input });
const stepsOf = (input: Partial<PriceInput>) =>
  price(input).steps.map(({ step, unitPrice }) => `${step}:${unitPrice}`);

describe('priceLine', () => {
  it("holds seed 003's example: 500.00 + 50.00, 10 units at 10 %, gold 15 % → 420.75 a unit, 4,207.50", () => {
    const quantityBreak = rule('quantity', percent(10), { minQuantity: 10 });
    const gold = rule('tier', percent(15), { tier: 'gold' });
    const quote = price({
      variant: { variantId: 'var_xl', label: 'XL', adjustment: 5_000 },
      quantity: 10,
      tier: 'gold',
      rules: [quantityBreak, gold],
    });
    expect(quote.steps).toEqual([
      { step: 'base', label: 'List price', unitPrice: 50_000 },
      { step: 'variant', label: 'XL', unitPrice: 55_000 },
      { step: 'quantity', ruleId: quantityBreak.ruleId, label: quantityBreak.name, unitPrice: 49_500 },
      { step: 'tier', ruleId: gold.ruleId, label: gold.name, unitPrice: 42_075 },
    ]);
    expect(quote).toMatchObject({ listPrice: 55_000, unitPrice: 42_075, total: 420_750, discount: 129_250 });
  });

  it('given no rules, lists only the base price', () => {
    expect(price({ quantity: 3 })).toEqual({
      listPrice: 50_000,
      steps: [{ step: 'base', label: 'List price', unitPrice: 50_000 }],
      unitPrice: 50_000,
      total: 150_000,
      discount: 0,
    });
  });

  it('applies a negative variant adjustment, and never below zero', () => {
    expect(stepsOf({ variant: { variantId: 'var_s', adjustment: -1_000 } })).toEqual([
      'base:50000',
      'variant:49000',
    ]);
    expect(stepsOf({ variant: { variantId: 'var_s', adjustment: -60_000 } })).toEqual([
      'base:50000',
      'variant:0',
    ]);
  });

  it('omits a zero variant adjustment and a rule that changes nothing', () => {
    expect(
      stepsOf({ variant: { variantId: 'var_m', adjustment: 0 }, rules: [rule('sale', percent(0))] }),
    ).toEqual(['base:50000']);
  });

  it('runs the steps in order sale → quantity → tier, each on the running price', () => {
    const rules = [
      rule('tier', percent(10), { tier: 'silver' }),
      rule('quantity', amount(1_000), { minQuantity: 2 }),
      rule('sale', percent(20)),
    ];
    expect(stepsOf({ rules, quantity: 2, tier: 'silver' })).toEqual([
      'base:50000',
      'sale:40000',
      'quantity:39000',
      'tier:35100',
    ]);
  });

  it('rounds half-up to the cent at each step', () => {
    // 10.05 − 50 % = 5.025 → 5.03; then − 50 % = 2.515 → 2.52 (rounding once at the end would give 2.51).
    const rules = [rule('sale', percent(50)), rule('tier', percent(50), { tier: 'gold' })];
    expect(stepsOf({ product: { ...product, price: 1_005 }, rules, tier: 'gold' })).toEqual([
      'base:1005',
      'sale:503',
      'tier:252',
    ]);
    // 0.01 − 33.33 % = 0.006667 → 0.01 (unchanged, so not listed); 0.03 − 50 % = 0.015 → 0.02.
    expect(stepsOf({ product: { ...product, price: 1 }, rules: [rule('sale', percent(33.33))] })).toEqual([
      'base:1',
    ]);
    expect(stepsOf({ product: { ...product, price: 3 }, rules: [rule('sale', percent(50))] })).toEqual([
      'base:3',
      'sale:2',
    ]);
  });

  it('takes the largest quantity break not above the quantity', () => {
    const rules = [
      rule('quantity', percent(5), { minQuantity: 5 }),
      rule('quantity', percent(10), { minQuantity: 10 }),
      rule('quantity', percent(20), { minQuantity: 50 }),
    ];
    expect([1, 4, 5, 9, 10, 49, 50, 99].map((quantity) => price({ rules, quantity }).unitPrice)).toEqual([
      50_000, 50_000, 47_500, 47_500, 45_000, 45_000, 40_000, 40_000,
    ]);
  });

  it('keeps a smaller break that gives more when a larger one was set to give less (buying more never costs more)', () => {
    const rules = [
      rule('quantity', percent(20), { minQuantity: 5 }),
      rule('quantity', percent(10), { minQuantity: 10 }),
    ];
    expect(price({ rules, quantity: 10 }).unitPrice).toBe(40_000);
  });

  it('applies the best of several eligible rules of one kind, never stacking them', () => {
    const small = rule('sale', percent(10));
    const big = rule('sale', amount(10_000));
    const quote = price({ rules: [small, big] });
    expect(quote.steps.map((s) => s.ruleId)).toEqual([undefined, big.ruleId]);
    expect(quote.unitPrice).toBe(40_000);
  });

  it('breaks a tie between equally good rules by rule id, whatever their order', () => {
    const a = rule('sale', percent(10));
    const b = rule('sale', amount(5_000));
    expect(price({ rules: [b, a] }).steps[1]?.ruleId).toBe(a.ruleId);
    expect(price({ rules: [a, b] }).steps[1]?.ruleId).toBe(a.ruleId);
  });

  it('gives a tier rule to its tier and every higher tier, not to lower ones', () => {
    const rules = [rule('tier', percent(10), { tier: 'gold' })];
    expect(
      ['none', 'silver', 'gold', 'platinum'].map((tier) => price({ rules, tier: tier as never }).unitPrice),
    ).toEqual([50_000, 50_000, 45_000, 45_000]);
  });

  it('gives a platinum customer the better of the gold and platinum rules', () => {
    const rules = [
      rule('tier', percent(15), { tier: 'gold' }),
      rule('tier', percent(12), { tier: 'platinum' }),
    ];
    expect(price({ rules, tier: 'platinum' }).unitPrice).toBe(42_500);
  });

  it('matches scopes: the product, its category (any case), or all; not another product or category', () => {
    const of = (scope: RuleScope) => price({ rules: [rule('sale', percent(10), { scope })] }).unitPrice;
    expect(of({ type: 'product', productId: 'prd_laptop' })).toBe(45_000);
    expect(of({ type: 'product', productId: 'prd_other' })).toBe(50_000);
    expect(of({ type: 'category', category: ' electronics ' })).toBe(45_000);
    expect(of({ type: 'category', category: 'Books' })).toBe(50_000);
    expect(of(all)).toBe(45_000);
  });

  it("matches a category rule by any name of the product's category or one above it", () => {
    const product = {
      productId: 'prd_laptop',
      category: 'Gaming Laptops',
      categories: ['gaming-laptops', 'gaming laptops', 'computers', 'computers'],
      price: 50_000,
    };
    const of = (category: string) =>
      price({ product, rules: [rule('sale', percent(10), { scope: { type: 'category', category } })] })
        .unitPrice;
    expect(of('gaming-laptops')).toBe(45_000);
    expect(of('Computers')).toBe(45_000);
    expect(of('Gaming Laptops ')).toBe(45_000);
    expect(of('phones')).toBe(50_000);
  });

  it('applies a rule only inside its window (start inclusive, end exclusive) and only while enabled', () => {
    const at = (overrides: Parameters<typeof rule>[2]) =>
      price({ rules: [rule('sale', percent(10), overrides)] }).unitPrice;
    expect(at({ startsAt: now })).toBe(45_000);
    expect(at({ startsAt: '2026-01-15T10:00:00.001Z' })).toBe(50_000);
    expect(at({ endsAt: now })).toBe(50_000);
    expect(at({ endsAt: '2026-01-15T10:00:00.001Z' })).toBe(45_000);
    expect(at({ startsAt: '2026-01-01T00:00:00+01:00', endsAt: '2026-02-01T00:00:00Z' })).toBe(45_000);
    expect(at({ enabled: false })).toBe(50_000);
  });

  it('never takes an amount below zero', () => {
    expect(price({ rules: [rule('sale', amount(60_000))], quantity: 2 })).toMatchObject({
      unitPrice: 0,
      total: 0,
    });
  });

  it.each([0, -1, 1.5, Number.NaN, 1_000_001])(
    'refuses quantity %s with VAL_2001 on quantity',
    (quantity) => {
      expect(() => price({ quantity })).toThrow(DomainError);
      try {
        price({ quantity });
      } catch (error) {
        expect((error as DomainError).details).toEqual([{ field: 'quantity', message: expect.any(String) }]);
      }
    },
  );
});
