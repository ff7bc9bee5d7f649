import { variantOf } from '../../domain/cart/cart.ts';
import { couponFrom } from '../../domain/cart/cart-coupon.ts';
import { linesAfterMerge } from '../../domain/cart/cart-lifetime.ts';
import type { CartCoupon } from '../../domain/cart/commands.ts';
import type { CartEvent } from '../../domain/cart/events.ts';

/** One line of the cart read model: what GET /cart shows of it; `unitPrice` is the price the cart holds. */
export type CartDocLine = {
  cartItemId: string;
  productId: string;
  productName: string;
  image: string | null;
  unitPrice: number;
  currency: string;
  quantity: number;
  /** The variant on the line (absent: the product itself). */
  variant?: { variantId: string; sku: string; options: Readonly<Record<string, string>> } | null;
};

/**
 * The cart read model's own document, shaped for GET /cart (not the aggregate's state: no checkout
 * bookkeeping). The prices shown are worked out when reading, from the catalog and pricing read
 * models (query-api/cart-pricing.ts), so a price change, a rule or a tier change reaches the view
 * without an event on the cart. Documents written as the folded CartState read as this shape too.
 */
export type CartDoc = {
  cartId: string | null;
  userId: string | null;
  lines: CartDocLine[];
  /** The coupon on the cart with the terms that set its discount, or null (absent in older documents). */
  coupon?: CartCoupon | null;
  createdAt: string | null;
  updatedAt: string | null;
  /** A guest cart merged into a customer's at login: that customer (its token is spent). */
  mergedInto?: string | null;
};

/** A stock item's availability in the cart read model (cart-keys.ts `stockKey`), so a line can say `in_stock`. */
export type StockDoc = { available: number };

/** The document of an owner the read model holds no cart for (yet): what GET /cart then shows. */
export const emptyCartDoc = (): CartDoc => ({
  cartId: null,
  userId: null,
  lines: [],
  coupon: null,
  createdAt: null,
  updatedAt: null,
});

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
