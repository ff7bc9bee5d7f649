import type { CartState } from '../../domain/cart/cart.ts';
import { cartView } from '../../domain/cart/totals.ts';
import type { UserId } from '../../domain/shared/ids.ts';
import { type Rate, toMajorUnits } from '../../domain/shared/money.ts';

/**
 * API.md's cart body as both APIs show it: totals computed by the domain (cartView) in minor units,
 * shown as two-decimal numbers. The query API adds `in_stock` per line from its stock read model.
 */
export function presentCart(
  state: CartState,
  options: { taxRate: Rate; userId: UserId; inStock?: (productId: string, quantity: number) => boolean },
) {
  const view = cartView(state, { taxRate: options.taxRate, userId: options.userId });
  const { inStock } = options;
  return {
    cart_id: view.cart_id,
    user_id: view.user_id,
    items: view.items.map((item) => ({
      cart_item_id: item.cart_item_id,
      product_id: item.product_id,
      product_name: item.product_name,
      quantity: item.quantity,
      price: toMajorUnits(item.price),
      subtotal: toMajorUnits(item.subtotal),
      image: item.image,
      ...(inStock ? { in_stock: inStock(item.product_id, item.quantity) } : {}),
    })),
    subtotal: toMajorUnits(view.subtotal),
    tax: toMajorUnits(view.tax),
    total: toMajorUnits(view.total),
    currency: view.currency,
    item_count: view.item_count,
    created_at: view.created_at,
    updated_at: view.updated_at,
  };
}
