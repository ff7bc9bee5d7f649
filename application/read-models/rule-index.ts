import { categoryKey, type PricingRule, type ScopedProduct } from '../../domain/pricing/rule.ts';

/**
 * The enabled pricing rules by scope, so a line looks only at the rules that can reach it; the price
 * calculation checks each one's scope and window again (domain/pricing/price-calculation.ts). Built once
 * from every rule, kept in process until the pricing projection names its rules stale.
 */
export type RuleIndex = {
  all: PricingRule[];
  byProduct: Map<string, PricingRule[]>;
  byCategory: Map<string, PricingRule[]>;
};

export function indexRules(rules: readonly PricingRule[]): RuleIndex {
  const index: RuleIndex = { all: [], byProduct: new Map(), byCategory: new Map() };
  const add = (map: Map<string, PricingRule[]>, key: string, rule: PricingRule) =>
    map.set(key, [...(map.get(key) ?? []), rule]);
  for (const rule of rules) {
    if (!rule.enabled) continue;
    if (rule.scope.type === 'all') index.all.push(rule);
    else if (rule.scope.type === 'product') add(index.byProduct, rule.scope.productId, rule);
    else add(index.byCategory, categoryKey(rule.scope.category), rule);
  }
  return index;
}

/** The indexed rules that may reach this product: all, its own, and its category's by any of its names. */
export function rulesReaching(index: RuleIndex, product: ScopedProduct): PricingRule[] {
  const names = new Set([categoryKey(product.category), ...(product.categories ?? [])]);
  return [
    ...index.all,
    ...(index.byProduct.get(product.productId) ?? []),
    ...[...names].flatMap((name) => index.byCategory.get(name) ?? []),
  ];
}
