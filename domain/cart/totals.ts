import type { CartOwnerId } from '../shared/ids.ts';
import { applyRate, DEFAULT_CURRENCY, type Rate } from '../shared/money.ts';
import { cartIdFor } from './cart.ts';

/**
 * The API.md cart body, with every amount in integer minor units: the HTTP layer only turns
 * `price`, `subtotal`, `tax` and `total` into two-decimal numbers.
 */
export type CartView = {
  cart_id: string | null;
  user_id: string | null;
  items: {
    cart_item_id: string;
    product_id: string;
    product_name: string;
    quantity: number;
    price: number;
    subtotal: number;
    image: string | null;
  }[];
  subtotal: number;
  discount: number;
  tax: number;
  total: number;
  currency: string;
  item_count: number;
  created_at: string | null;
  updated_at: string | null;
};

/** What the totals need of a cart: the aggregate's state, or a read model's document of the same lines. */
export type CartSnapshot = {
  cartId: string | null;
  userId: string | null;
  createdAt: string | null;
  updatedAt: string | null;
  lines: readonly {
    cartItemId: string;
    productId: string;
    productName: string;
    quantity: number;
    unitPrice: number;
    image: string | null;
    currency: string;
    variant?: { variantId: string; sku: string; options: Readonly<Record<string, string>> } | null;
  }[];
};

/**
 * The cart's totals: each line's subtotal is unit price × quantity; tax is applied once to the cart's
 * subtotal (not per line, so rounding happens once), half to even. `userId` names the owner of a
 * cart that does not exist yet, so an empty cart still has its ids.
 */
export function cartView(
  state: CartSnapshot,
  options: { taxRate: Rate; userId?: CartOwnerId; discount?: number },
): CartView {
  const items = state.lines.map((line) => ({
    cart_item_id: line.cartItemId,
    product_id: line.productId,
    product_name: line.productName,
    quantity: line.quantity,
    price: line.unitPrice,
    subtotal: line.unitPrice * line.quantity,
    image: line.image,
  }));
  const subtotal = items.reduce((sum, item) => sum + item.subtotal, 0);
  // A cart-level discount (a coupon) comes off before tax (API.md: tax is on the discounted subtotal).
  const discount = Math.min(options.discount ?? 0, subtotal);
  const tax = applyRate(subtotal - discount, options.taxRate);
  const userId = state.userId ?? options.userId ?? null;
  return {
    cart_id: state.cartId ?? (userId ? cartIdFor(userId as CartOwnerId) : null),
    // A guest cart has no user: its owner id is a hash of the cart token and is not shown.
    user_id: userId?.startsWith('gst_') ? null : userId,
    items,
    subtotal,
    discount,
    tax,
    total: subtotal - discount + tax,
    currency: state.lines[0]?.currency ?? DEFAULT_CURRENCY,
    item_count: items.reduce((sum, item) => sum + item.quantity, 0),
    created_at: state.createdAt,
    updated_at: state.updatedAt,
  };
}
