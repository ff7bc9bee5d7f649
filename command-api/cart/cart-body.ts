import type { CartState } from '../../domain/cart/cart.ts';
import { cartView } from '../../domain/cart/totals.ts';
import type { UserId } from '../../domain/shared/ids.ts';
import type { Rate } from '../../domain/shared/money.ts';
import { apiMoney } from '../catalog/money-input.ts';

/**
 * API.md's cart body, computed from the aggregate's state: totals in integer minor units by the
 * domain (cartView), shown here as two-decimal numbers.
 */
export function cartBody(state: CartState, options: { taxRate: Rate; userId: UserId }) {
  const view = cartView(state, options);
  return {
    cart_id: view.cart_id,
    user_id: view.user_id,
    items: view.items.map((item) => ({
      cart_item_id: item.cart_item_id,
      product_id: item.product_id,
      product_name: item.product_name,
      quantity: item.quantity,
      price: apiMoney(item.price),
      subtotal: apiMoney(item.subtotal),
      image: item.image,
    })),
    subtotal: apiMoney(view.subtotal),
    tax: apiMoney(view.tax),
    total: apiMoney(view.total),
    currency: view.currency,
    item_count: view.item_count,
    created_at: view.created_at,
    updated_at: view.updated_at,
  };
}
