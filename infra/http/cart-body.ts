import { lineKey } from '../../domain/cart/cart-state.ts';
import type { CartCoupon } from '../../domain/cart/commands.ts';
import { type CartSnapshot, cartView } from '../../domain/cart/totals.ts';
import { cartCouponDiscount } from '../../domain/pricing/coupon-evaluation.ts';
import type { PriceStep } from '../../domain/pricing/price-calculation.ts';
import type { UserId } from '../../domain/shared/ids.ts';
import { type Rate, toMajorUnits } from '../../domain/shared/money.ts';

/** A line as the engine prices it now (list price, unit price after rules, the steps that got there). */
export type LinePrice = { listPrice: number; unitPrice: number; steps: readonly PriceStep[] };

/** The prices to show: per lineKey (absent: the price the cart holds), and the cart's coupon. */
export type CartPricing = {
  lines: ReadonlyMap<string, LinePrice>;
  coupon: CartCoupon | null;
};

/**
 * API.md's cart body as both APIs show it: totals computed by the domain (cartView) in minor units,
 * shown as two-decimal numbers. Each line shows `list_price`, `unit_price` (after rules; `price` is the
 * same number, kept for older clients) and `applied_rules`; the cart shows the coupon and its `discount`,
 * taken off before tax. The query API adds `in_stock` per line from its stock read model.
 */
export function presentCart(
  cart: CartSnapshot,
  options: {
    taxRate: Rate;
    userId: UserId;
    /** Whether the line's stock item (by lineKey) could supply `quantity` now. */
    inStock?: (key: string, quantity: number) => boolean;
    pricing?: CartPricing;
  },
) {
  const priced = (key: string) => options.pricing?.lines.get(key);
  const lines = cart.lines.map((line) => ({
    ...line,
    unitPrice: priced(lineKey(line))?.unitPrice ?? line.unitPrice,
  }));
  const coupon = options.pricing?.coupon ?? null;
  const subtotal = lines.reduce((sum, line) => sum + line.unitPrice * line.quantity, 0);
  const discount = coupon ? cartCouponDiscount(coupon, subtotal) : 0;
  const view = cartView({ ...cart, lines }, { taxRate: options.taxRate, userId: options.userId, discount });
  const { inStock } = options;
  return {
    cart_id: view.cart_id,
    user_id: view.user_id,
    items: view.items.map((item, index) => {
      const variant = cart.lines[index]?.variant;
      const price = priced(lineKey({ productId: item.product_id, variant }));
      return {
        cart_item_id: item.cart_item_id,
        product_id: item.product_id,
        product_name: item.product_name,
        quantity: item.quantity,
        price: toMajorUnits(item.price),
        list_price: toMajorUnits(price?.listPrice ?? item.price),
        unit_price: toMajorUnits(item.price),
        applied_rules: (price?.steps ?? [])
          .filter((step) => step.ruleId !== undefined)
          .map((step) => ({ rule_id: step.ruleId, step: step.step, label: step.label })),
        subtotal: toMajorUnits(item.subtotal),
        image: item.image,
        ...(variant
          ? { variant_id: variant.variantId, sku: variant.sku, variant_options: { ...variant.options } }
          : {}),
        ...(inStock
          ? { in_stock: inStock(lineKey({ productId: item.product_id, variant }), item.quantity) }
          : {}),
      };
    }),
    subtotal: toMajorUnits(view.subtotal),
    discount: toMajorUnits(view.discount),
    coupon: coupon?.code ?? null,
    tax: toMajorUnits(view.tax),
    total: toMajorUnits(view.total),
    currency: view.currency,
    item_count: view.item_count,
    created_at: view.created_at,
    updated_at: view.updated_at,
  };
}
