import type { CouponTerms } from '../../domain/pricing/commands.ts';
import type { PriceQuote } from '../../domain/pricing/price-calculation.ts';
import { inWindow, type PricingRule, type Reduction, type RuleScope } from '../../domain/pricing/rule.ts';
import { toMajorUnits } from '../../domain/shared/money.ts';

const reductionBody = (reduction: Reduction) => ({
  percent_off: reduction.type === 'percent' ? reduction.basisPoints / 100 : null,
  amount_off: reduction.type === 'amount' ? toMajorUnits(reduction.amount) : null,
});

const scopeBody = (scope: RuleScope) =>
  scope.type === 'product'
    ? { product_id: scope.productId }
    : scope.type === 'category'
      ? { category: scope.category }
      : { all: true as const };

/**
 * A pricing rule as both APIs show it. `enabled` is the admin's switch; `active` says whether it applies
 * right now (enabled and inside its window).
 */
export function presentRule(rule: PricingRule, now: Date) {
  return {
    rule_id: rule.ruleId,
    name: rule.name,
    kind: rule.kind,
    ...reductionBody(rule.reduction),
    scope: scopeBody(rule.scope),
    min_quantity: rule.minQuantity,
    tier: rule.tier,
    starts_at: rule.startsAt,
    ends_at: rule.endsAt,
    enabled: rule.enabled,
    active: rule.enabled && inWindow(rule, now.getTime()),
  };
}

export function presentCoupon(code: string, terms: CouponTerms, redemptions: number) {
  return {
    code,
    ...reductionBody(terms.reduction),
    min_subtotal: terms.minSubtotal === null ? null : toMajorUnits(terms.minSubtotal),
    starts_at: terms.startsAt,
    ends_at: terms.endsAt,
    max_redemptions: terms.maxRedemptions,
    max_per_customer: terms.maxPerCustomer,
    redemptions,
  };
}

/** GET /pricing/{product_id}/price: the steps and the result, money as two-decimal numbers. */
export function presentQuote(
  request: { productId: string; variantId: string | null; quantity: number; tier: string; currency: string },
  quote: PriceQuote,
) {
  return {
    product_id: request.productId,
    variant_id: request.variantId,
    quantity: request.quantity,
    tier: request.tier,
    currency: request.currency,
    list_price: toMajorUnits(quote.listPrice),
    steps: quote.steps.map((step) => ({
      step: step.step,
      ...(step.ruleId ? { rule_id: step.ruleId } : {}),
      label: step.label,
      unit_price: toMajorUnits(step.unitPrice),
    })),
    unit_price: toMajorUnits(quote.unitPrice),
    discount: toMajorUnits(quote.discount),
    total: toMajorUnits(quote.total),
  };
}
