import type { PricingRule, Reduction, RuleScope } from './rule.ts';
import type { Tier } from './tiers.ts';

// Builders for the pricing tests (pure, test-only).
export const percent = (value: number): Reduction => ({
  type: 'percent',
  basisPoints: Math.round(value * 100),
});
export const amount = (minor: number): Reduction => ({ type: 'amount', amount: minor });
export const all: RuleScope = { type: 'all' };

let next = 0;
export function rule(
  kind: PricingRule['kind'],
  reduction: Reduction,
  overrides: Partial<PricingRule> & { minQuantity?: number | null; tier?: Tier | null } = {},
): PricingRule {
  next += 1;
  return {
    ruleId: `prl_${String(next).padStart(4, '0')}`,
    name: `${kind} ${next}`,
    kind,
    reduction,
    scope: all,
    minQuantity: null,
    tier: null,
    startsAt: null,
    endsAt: null,
    enabled: true,
    ...overrides,
  };
}
