import type { PricingRuleCreated } from './events.ts';
import type { Reduction, RuleDefinition, RuleScope } from './rule.ts';

export type StoredRuleDefinition = Omit<PricingRuleCreated['data'], 'schema_version' | 'created_at'>;
type StoredScope = StoredRuleDefinition['scope'];

export function toStoredScope(scope: RuleScope): StoredScope {
  if (scope.type === 'product') return { product_id: scope.productId as never };
  if (scope.type === 'category') return { category: scope.category };
  return { all: true };
}

export function fromStoredScope(scope: StoredScope): RuleScope {
  if ('product_id' in scope) return { type: 'product', productId: scope.product_id };
  if ('category' in scope) return { type: 'category', category: scope.category };
  return { type: 'all' };
}

export const storedReduction = (reduction: Reduction) => ({
  percent_off_bps: reduction.type === 'percent' ? reduction.basisPoints : null,
  amount_off: reduction.type === 'amount' ? reduction.amount : null,
});

export const fromStoredReduction = (stored: {
  percent_off_bps: number | null;
  amount_off: number | null;
}): Reduction =>
  stored.amount_off !== null
    ? { type: 'amount', amount: stored.amount_off }
    : { type: 'percent', basisPoints: stored.percent_off_bps ?? 0 };

export function toStoredRule(ruleId: string, definition: RuleDefinition): StoredRuleDefinition {
  return {
    rule_id: ruleId,
    name: definition.name,
    kind: definition.kind,
    ...storedReduction(definition.reduction),
    scope: toStoredScope(definition.scope),
    min_quantity: definition.minQuantity,
    tier: definition.tier as StoredRuleDefinition['tier'],
    starts_at: definition.startsAt,
    ends_at: definition.endsAt,
  };
}

export function fromStoredRule(stored: StoredRuleDefinition): RuleDefinition {
  return {
    name: stored.name,
    kind: stored.kind,
    reduction: fromStoredReduction(stored),
    scope: fromStoredScope(stored.scope),
    minQuantity: stored.min_quantity,
    tier: stored.tier,
    startsAt: stored.starts_at,
    endsAt: stored.ends_at,
  };
}
