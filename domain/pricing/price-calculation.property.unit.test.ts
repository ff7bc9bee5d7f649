import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { priceLine } from './price-calculation.ts';
import type { PricingRule, RuleScope } from './rule.ts';
import { type Tier, tiers } from './tiers.ts';

const now = '2026-01-15T10:00:00.000Z';
const product = { productId: 'prd_p1', category: 'Tools' };
const runs = { numRuns: 400 };

const reduction = fc.oneof(
  fc.integer({ min: 0, max: 9000 }).map((basisPoints) => ({ type: 'percent' as const, basisPoints })),
  fc.integer({ min: 1, max: 200_000 }).map((amount) => ({ type: 'amount' as const, amount })),
);
const scope: fc.Arbitrary<RuleScope> = fc.constantFrom<RuleScope>(
  { type: 'all' },
  { type: 'product', productId: 'prd_p1' },
  { type: 'product', productId: 'prd_p2' },
  { type: 'category', category: 'tools' },
  { type: 'category', category: 'Books' },
);
const window = fc.constantFrom<[string | null, string | null]>(
  [null, null],
  ['2026-01-01T00:00:00Z', null],
  [null, '2026-01-01T00:00:00Z'],
  ['2026-02-01T00:00:00Z', null],
  ['2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z'],
);
const rule: fc.Arbitrary<PricingRule> = fc
  .record({
    id: fc.integer({ min: 0, max: 9999 }),
    kind: fc.constantFrom('sale' as const, 'quantity' as const, 'tier' as const),
    reduction,
    scope,
    minQuantity: fc.integer({ min: 1, max: 120 }),
    tier: fc.constantFrom<Tier>('silver', 'gold', 'platinum'),
    window,
    enabled: fc.boolean(),
  })
  .map((r) => ({
    ruleId: `prl_${r.id}`,
    name: `rule ${r.id}`,
    kind: r.kind,
    reduction: r.reduction,
    scope: r.scope,
    minQuantity: r.kind === 'quantity' ? r.minQuantity : null,
    tier: r.kind === 'tier' ? r.tier : null,
    startsAt: r.window[0],
    endsAt: r.window[1],
    enabled: r.enabled,
  }));

const case_ = fc.record({
  price: fc.integer({ min: 1, max: 10_000_000 }),
  adjustment: fc.integer({ min: -20_000, max: 20_000 }),
  quantity: fc.integer({ min: 1, max: 150 }),
  tier: fc.constantFrom(...tiers),
  rules: fc.array(rule, { maxLength: 12 }),
});
type Case = { price: number; adjustment: number; quantity: number; tier: Tier; rules: PricingRule[] };
const quote = (c: Case, quantity = c.quantity) =>
  priceLine({
    product: { ...product, price: c.price },
    variant: { variantId: 'var_1', adjustment: c.adjustment },
    quantity,
    tier: c.tier,
    rules: c.rules,
    now,
  });

describe('priceLine, for any product, variant, quantity, tier and rules', () => {
  it('is integer cents, never negative and never above the list price, at every step', () => {
    fc.assert(
      fc.property(case_, (c) => {
        const q = quote(c);
        for (const step of q.steps) {
          expect(Number.isSafeInteger(step.unitPrice)).toBe(true);
          expect(step.unitPrice).toBeGreaterThanOrEqual(0);
        }
        expect(q.listPrice).toBe(Math.max(0, c.price + c.adjustment));
        expect(q.unitPrice).toBeLessThanOrEqual(q.listPrice);
        expect(q.total).toBe(q.unitPrice * c.quantity);
        expect(q.discount).toBe((q.listPrice - q.unitPrice) * c.quantity);
      }),
      runs,
    );
  });

  it('lists base first, then steps in the fixed order, each lowering the price', () => {
    const order = ['base', 'variant', 'sale', 'quantity', 'tier'];
    fc.assert(
      fc.property(case_, (c) => {
        const { steps } = quote(c);
        expect(steps[0]?.step).toBe('base');
        const indices = steps.map((s) => order.indexOf(s.step));
        expect([...indices].sort((a, b) => a - b)).toEqual(indices);
        for (let i = 2; i < steps.length; i++)
          expect(steps[i]!.unitPrice).toBeLessThan(steps[i - 1]!.unitPrice);
        expect(steps.at(-1)?.unitPrice).toBe(quote(c).unitPrice);
      }),
      runs,
    );
  });

  it('never charges more a unit for buying more', () => {
    fc.assert(
      fc.property(case_, fc.integer({ min: 1, max: 150 }), (c, more) => {
        expect(quote(c, c.quantity + more).unitPrice).toBeLessThanOrEqual(quote(c).unitPrice);
      }),
      runs,
    );
  });

  it('never charges a higher tier more than a lower one', () => {
    fc.assert(
      fc.property(case_, (c) => {
        const prices = tiers.map((tier) => quote({ ...c, tier }).unitPrice);
        for (let i = 1; i < prices.length; i++) expect(prices[i]).toBeLessThanOrEqual(prices[i - 1]!);
      }),
      runs,
    );
  });

  it('does not depend on the order the rules come in', () => {
    fc.assert(
      fc.property(case_, (c) => {
        expect(quote({ ...c, rules: [...c.rules].reverse() })).toEqual(quote(c));
      }),
      runs,
    );
  });
});
