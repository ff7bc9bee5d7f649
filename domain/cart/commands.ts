import type { Reduction } from '../pricing/rule.ts';
import type { Command } from '../shared/decider.ts';
import type {
  CartItemId,
  CartOwnerId,
  GuestId,
  OrderId,
  ProductId,
  ReservationId,
  UserId,
} from '../shared/ids.ts';

/** The variant a line holds (absent or null: the product itself, which has no variants). */
export type CartLineVariant = { variantId: string; sku: string; options: Readonly<Record<string, string>> };

/**
 * What the cart must know of a product, read by the command handler from the product's stream
 * (catalog's `productForCart` gives exactly this). Prices in integer minor units.
 */
export type CartProduct = {
  productId: ProductId;
  name: string;
  price: number;
  currency: string;
  image: string | null;
  discontinued: boolean;
  /** The variant sold (its price is `price`); absent for a product without variants. */
  variant?: CartLineVariant | null;
};

/**
 * Cross-aggregate facts arrive in the command: the product as it is now and the stock `available`
 * now (both read by the handler). `cartItemId` is a fresh id, used only when a new line is created.
 */
export type AddItemToCart = Command<
  'AddItemToCart',
  {
    userId: CartOwnerId;
    cartItemId: CartItemId;
    product: CartProduct;
    available: number;
    quantity: number;
    /** The price the client saw (minor units); when given it must equal the current price. */
    expectedPrice?: number;
    now: string;
  }
>;

/** Sets a line's quantity; 0 removes the line. `available` is the line's product's stock now. */
export type ChangeCartItemQuantity = Command<
  'ChangeCartItemQuantity',
  { userId: CartOwnerId; cartItemId: CartItemId; quantity: number; available: number; now: string }
>;

export type RemoveCartItem = Command<
  'RemoveCartItem',
  { userId: CartOwnerId; cartItemId: CartItemId; now: string }
>;

export type ClearCart = Command<'ClearCart', { userId: CartOwnerId; now: string }>;

/** The cart became an order: its lines leave the cart. `orderId` links the two when known. */
export type CheckOutCart = Command<'CheckOutCart', { userId: UserId; orderId?: OrderId; now: string }>;

/** Each line's product as the catalog has it now (null: never listed), keyed by lineKey (cart-state.ts). */
export type CurrentProducts = Readonly<Record<string, CartProduct | null>>;

/**
 * A checkout of the cart begins under `reservationId` (see checkout-rules.ts). `products` is the catalog
 * now; `active` what the checkout record of the cart's running checkout says (held: every line reserved
 * and no order being paid on it), read by the caller.
 */
export type BeginCheckout = Command<
  'BeginCheckout',
  {
    userId: UserId;
    reservationId: ReservationId;
    expiresAt: string;
    products: CurrentProducts;
    active?: { reservationId: string; held: boolean };
    now: string;
  }
>;

/** The checkout under `reservationId` ended without an order (released, failed, its order cancelled). */
export type EndCheckout = Command<
  'EndCheckout',
  { userId: UserId; reservationId: string; reason: 'released' | 'failed' | 'cancelled'; now: string }
>;

/** Brings every line to its product's current catalog price (one CartLineRepriced per changed line). */
export type RepriceCart = Command<
  'RepriceCart',
  { userId: CartOwnerId; products: CurrentProducts; now: string }
>;

/** Closes a guest cart for its merge into `intoUserId`'s cart (appended at the revision read: one merge wins). */
export type CloseGuestCart = Command<'CloseGuestCart', { userId: GuestId; intoUserId: UserId; now: string }>;

/**
 * Adds a closed guest cart's lines to the customer's cart. `lines` are the guest lines with each product
 * as the catalog has it now (null: no longer for sale, the line is dropped) and a fresh `cartItemId`.
 */
export type MergeGuestLines = Command<
  'MergeGuestLines',
  {
    userId: UserId;
    guestCartId: string;
    lines: { product: CartProduct | null; quantity: number; cartItemId: CartItemId }[];
    // (a variant line's product carries its variant: cart-state.ts lineKey)
    now: string;
  }
>;

/** Empties a cart left unchanged for `idleMs` (its lifetime); anything newer or empty decides nothing. */
export type ExpireCart = Command<'ExpireCart', { userId: CartOwnerId; idleMs: number; now: string }>;

/** The coupon as the cart keeps it: its code and the terms that set the discount shown. */
export type CartCoupon = { code: string; reduction: Reduction; minSubtotal: number | null };

/** Puts a coupon on the cart (the caller checked that it exists and is usable now); replaces any other. */
export type ApplyCartCoupon = Command<'ApplyCartCoupon', { userId: UserId; coupon: CartCoupon; now: string }>;

/** Takes the coupon off the cart; nothing when it has none. */
export type RemoveCartCoupon = Command<'RemoveCartCoupon', { userId: UserId; now: string }>;

export type CartCommand =
  | CloseGuestCart
  | MergeGuestLines
  | ExpireCart
  | ApplyCartCoupon
  | RemoveCartCoupon
  | AddItemToCart
  | ChangeCartItemQuantity
  | RemoveCartItem
  | ClearCart
  | CheckOutCart
  | BeginCheckout
  | EndCheckout
  | RepriceCart;
