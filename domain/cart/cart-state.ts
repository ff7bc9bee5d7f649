import type { CartItemId, CartOwnerId, Id, ProductId, UserId, VariantId } from '../shared/ids.ts';
import type { CartCoupon, CartLineVariant } from './commands.ts';

// The cart's state, apart from its decider (cart.ts) and its checkout rules (checkout-rules.ts), which
// both read it: so neither imports the other back.

export type CartId = Id<'cart'>;

/**
 * One checkout per cart at a time (see checkout-rules.ts): the reservation it holds and until when.
 */
export type CartCheckout = { reservationId: string; expiresAt: string };

export type { CartLineVariant } from './commands.ts';

/** A line keeps the snapshot (name, image, unit price) taken when its product was last added. */
export type CartLine = {
  cartItemId: CartItemId;
  productId: ProductId;
  variant?: CartLineVariant | null;
  productName: string;
  image: string | null;
  unitPrice: number;
  currency: string;
  quantity: number;
  addedAt: string;
};

export type CartState = {
  cartId: CartId | null;
  userId: CartOwnerId | null;
  /** False before the first item and after each checkout: the next add creates the cart again. */
  open: boolean;
  lines: CartLine[];
  createdAt: string | null;
  updatedAt: string | null;
  /** The checkout that began and has not ended (it may have lapsed: see checkout-rules.ts). */
  checkout: CartCheckout | null;
  /** The order the cart last became, and when. */
  lastOrder: { orderId: string; at: string } | null;
  /** A guest cart merged at login: the customer it went to (the cart is closed for good). */
  mergedInto?: UserId | null;
  /** What a merged guest cart held when it was closed (the merge adds these to the customer's cart). */
  mergedItems?: { productId: ProductId; variantId?: string; quantity: number }[];
  /** The guest carts merged into this customer's cart (each at most once). */
  mergedGuestCarts?: string[];
  /** When the cart last expired (until the next add). */
  expiredAt?: string | null;
  /** The coupon on the cart (cart-coupon.ts); it leaves with the checkout. */
  coupon: CartCoupon | null;
};

export { lineKey } from '../shared/line-key.ts';

/**
 * What an event naming `line` writes of its variant: `variant_id` and `sku` for a variant line, nothing for
 * a product without variants (whose events keep their v1 shape).
 */
export const variantFieldsOf = (line: Pick<CartLine, 'variant'>) =>
  line.variant ? { variant_id: line.variant.variantId as VariantId, sku: line.variant.sku } : {};

/** The schema_version of a cart event naming these lines: 2 when any of them names a variant. */
export const versionFor = (lines: readonly Pick<CartLine, 'variant'>[]): 1 | 2 =>
  lines.some((line) => line.variant) ? 2 : 1;
