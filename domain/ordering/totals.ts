import { invalid } from '../shared/errors.ts';
import { applyRate, type Rate } from '../shared/money.ts';

/** How an order is priced (API.md: TAX_RATE, SHIPPING_FLAT, FREE_SHIPPING_OVER); amounts in minor units. */
export type PricingConfig = { taxRate: Rate; shippingFlat: number; freeShippingOver: number };

export type PricedLine = { quantity: number; unitPrice: number };

/** API.md's order totals, all integer minor units of the order's currency. */
export type OrderTotals = { subtotal: number; tax: number; shipping_cost: number; total: number };

export const lineSubtotal = (line: PricedLine): number => line.quantity * line.unitPrice;

/**
 * subtotal = Σ quantity × unit price; tax = (subtotal − coupon discount) × rate rounded half to even (shipping is not taxed);
 * shipping is flat, free when the subtotal is at or above the threshold; total = subtotal − discount + tax + shipping.
 */
export function orderTotals(
  lines: readonly PricedLine[],
  pricing: PricingConfig,
  couponDiscount = 0,
): OrderTotals & { discount: number } {
  checkPricing(pricing);
  const subtotal = lines.reduce((sum, line) => sum + lineSubtotal(line), 0);
  // A coupon comes off before tax (API.md), never more than the subtotal; shipping looks at the subtotal.
  const discount = Math.min(Math.max(0, couponDiscount), subtotal);
  const tax = applyRate(subtotal - discount, pricing.taxRate);
  const shipping_cost = subtotal >= pricing.freeShippingOver ? 0 : pricing.shippingFlat;
  const total = subtotal - discount + tax + shipping_cost;
  if (!Number.isSafeInteger(total)) throw invalid('items', 'order total is too large');
  return { subtotal, discount, tax, shipping_cost, total };
}

function checkPricing({ taxRate, shippingFlat, freeShippingOver }: PricingConfig) {
  const whole = (n: number) => Number.isSafeInteger(n) && n >= 0;
  if (!whole(taxRate.numerator) || !whole(taxRate.denominator) || taxRate.denominator === 0)
    throw invalid('pricing.tax_rate', 'must be a non-negative fraction');
  if (!whole(shippingFlat)) throw invalid('pricing.shipping_flat', 'must be non-negative minor units');
  if (!whole(freeShippingOver))
    throw invalid('pricing.free_shipping_over', 'must be non-negative minor units');
}
