import type { CartDoc, CartDocLine } from '../../application/read-models/cart-doc.ts';
import { variantOf } from '../../domain/cart/cart.ts';
import { couponFrom } from '../../domain/cart/cart-coupon.ts';
import { linesAfterMerge } from '../../domain/cart/cart-lifetime.ts';
import type { CartEvent } from '../../domain/cart/events.ts';

const withLine = (doc: CartDoc, cartItemId: string, change: (line: CartDocLine) => CartDocLine) =>
  doc.lines.map((line) => (line.cartItemId === cartItemId ? change(line) : line));

/** Folds one cart event into the document (the checkout's own events change nothing shown). */
export function foldCartDoc(current: CartDoc, event: CartEvent): CartDoc {
  const doc = { ...current, cartId: event.data.cart_id, userId: event.data.user_id };
  switch (event.type) {
    case 'CartCreated':
      return {
        ...doc,
        lines: [],
        coupon: null,
        createdAt: event.data.created_at,
        updatedAt: event.data.created_at,
      };
    case 'ItemAddedToCart': {
      const { data } = event;
      const snapshot = {
        productName: data.product_name,
        image: data.image,
        unitPrice: data.unit_price,
        currency: data.currency,
        quantity: data.line_quantity,
      };
      const exists = doc.lines.some((line) => line.cartItemId === data.cart_item_id);
      const lines = exists
        ? withLine(doc, data.cart_item_id, (line) => ({ ...line, ...snapshot }))
        : [
            ...doc.lines,
            { cartItemId: data.cart_item_id, productId: data.product_id, ...variantOf(data), ...snapshot },
          ];
      return { ...doc, lines, createdAt: doc.createdAt ?? data.added_at, updatedAt: data.added_at };
    }
    case 'CartItemQuantityChanged':
      return {
        ...doc,
        lines: withLine(doc, event.data.cart_item_id, (line) => ({ ...line, quantity: event.data.quantity })),
        updatedAt: event.data.changed_at,
      };
    case 'CartItemRemoved':
      return {
        ...doc,
        lines: doc.lines.filter((line) => line.cartItemId !== event.data.cart_item_id),
        updatedAt: event.data.removed_at,
      };
    case 'CartCleared':
      return { ...doc, lines: [], updatedAt: event.data.cleared_at };
    case 'CartCheckedOut':
      return { ...doc, lines: [], coupon: null, updatedAt: event.data.checked_out_at };
    case 'CartLineRepriced':
      return {
        ...doc,
        lines: withLine(doc, event.data.cart_item_id, (line) => ({
          ...line,
          unitPrice: event.data.unit_price,
        })),
        updatedAt: event.data.repriced_at,
      };
    case 'CouponAppliedToCart':
      return { ...doc, coupon: couponFrom(event.data), updatedAt: event.data.applied_at };
    case 'CouponRemovedFromCart':
      return { ...doc, coupon: null, updatedAt: event.data.removed_at };
    case 'CartMergedFromGuest': {
      // Each guest line as it landed, folded as the aggregate folds it.
      const lines = linesAfterMerge(doc.lines, event, (merged, snapshot) => ({
        cartItemId: merged.cart_item_id,
        productId: merged.product_id,
        ...variantOf(merged),
        ...snapshot,
      }));
      return {
        ...doc,
        lines,
        createdAt: doc.createdAt ?? event.data.merged_at,
        updatedAt: event.data.merged_at,
      };
    }
    case 'GuestCartMerged':
      return {
        ...doc,
        lines: [],
        coupon: null,
        mergedInto: event.data.into_user_id,
        updatedAt: event.data.merged_at,
      };
    case 'CartExpired':
      return { ...doc, lines: [], updatedAt: event.data.expired_at };
    case 'CartCheckoutBegan':
    case 'CartCheckoutEnded':
      return doc;
    default:
      return doc;
  }
}
