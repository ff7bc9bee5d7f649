import type { Tier } from './tiers.ts';

/** The step a rule takes part in (API.md): a sale, a quantity break, or a customer-tier discount. */
export const ruleKinds = ['sale', 'quantity', 'tier'] as const;
export type RuleKind = (typeof ruleKinds)[number];

/** A reduction of the running unit price: percent in basis points (1500 = 15 %), or an amount in minor units. */
export type Reduction = { type: 'percent'; basisPoints: number } | { type: 'amount'; amount: number };

/** Which products a rule applies to. Categories match case-insensitively, ignoring surrounding spaces. */
export type RuleScope =
  | { type: 'product'; productId: string }
  | { type: 'category'; category: string }
  | { type: 'all' };

/** What an admin defines: everything of a rule but its id and whether it is still enabled. */
export type RuleDefinition = {
  name: string;
  kind: RuleKind;
  reduction: Reduction;
  scope: RuleScope;
  /** Quantity breaks only: the smallest quantity the break applies to. */
  minQuantity: number | null;
  /** Tier rules only: the lowest tier the rule applies to. */
  tier: Tier | null;
  /** ISO instants; the rule applies from startsAt (inclusive) until endsAt (exclusive). */
  startsAt: string | null;
  endsAt: string | null;
};

/** A rule as the price calculation reads it (from the rules read model or from the aggregate). */
export type PricingRule = RuleDefinition & { ruleId: string; enabled: boolean };

/** Most basis points a percentage may take off (API.md: 0..90 %). */
export const MAX_PERCENT_BPS = 9000;

/** Half-up rounding of `numerator / denominator` for non-negative integers, exactly (BigInt). */
export function divideHalfUp(numerator: number, denominator: number): number {
  const n = BigInt(numerator);
  const d = BigInt(denominator);
  const quotient = n / d;
  return Number((n % d) * 2n >= d ? quotient + 1n : quotient);
}

/** The unit price after a reduction: percent on the running price rounded half-up to the cent; never below 0. */
export function reduce(price: number, reduction: Reduction): number {
  if (reduction.type === 'amount') return Math.max(0, price - reduction.amount);
  return divideHalfUp(price * (10_000 - reduction.basisPoints), 10_000);
}

/** How a category rule's text and a product's category text are compared: trimmed, any case. */
export const categoryKey = (category: string) => category.trim().toLowerCase();

/** What a category rule is matched against: the product's category text, and where known its tree. */
export type ScopedProduct = {
  productId: string;
  category: string;
  /**
   * Every name the product's category and each one above it goes by (its slug, its name in lower case): a rule on
   * a category reaches the products filed under it, and names it by slug or name as products do.
   */
  categories?: readonly string[];
};

export function scopeMatches(scope: RuleScope, product: ScopedProduct): boolean {
  switch (scope.type) {
    case 'product':
      return scope.productId === product.productId;
    case 'category': {
      const wanted = categoryKey(scope.category);
      return wanted === categoryKey(product.category) || (product.categories?.includes(wanted) ?? false);
    }
    case 'all':
      return true;
  }
}

/** Whether `nowMs` is inside the rule's window (start inclusive, end exclusive). */
export function inWindow(rule: Pick<RuleDefinition, 'startsAt' | 'endsAt'>, nowMs: number): boolean {
  if (rule.startsAt !== null && Date.parse(rule.startsAt) > nowMs) return false;
  if (rule.endsAt !== null && Date.parse(rule.endsAt) <= nowMs) return false;
  return true;
}
