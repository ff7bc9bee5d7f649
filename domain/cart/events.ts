import { z } from 'zod';
import type { DomainEvent } from '../shared/decider.ts';
import { idSchema } from '../shared/ids.ts';
import { currencySchema, minorUnitsSchema } from '../shared/money.ts';

/**
 * Events of this context live in streams `cart-<owner>`: one cart per user (`cart-usr_…`), or per guest
 * cart token (`cart-gst_<sha256 hex of the token>`). Stored data fields are snake_case.
 */
export const cartStreamCategory = 'cart';

const isoTime = z.iso.datetime({ offset: true });
const lineQuantity = z.number().int().min(1).max(99);
const cartItemId = idSchema('cartItem').describe('the cart line');
const productId = idSchema('product').describe('the product on that line');
const owner = {
  schema_version: z.literal(1).describe('version of this event data shape'),
  cart_id: idSchema('cart').describe("the cart, derived from its owner's id"),
  user_id: z
    .union([idSchema('user'), idSchema('guest')])
    .describe('the customer who owns the cart, or `gst_<sha256 hex of the cart token>` for a guest cart'),
};

const versionWithVariants = z
  .union([z.literal(1), z.literal(2)])
  .describe('version of this event data shape: 2 when a line names a variant');

/**
 * The variant a line holds, written only for a variant line (then schema_version 2): a line of a product
 * without variants keeps the v1 shape, so events stored before variants read as they always did.
 */
const lineVariant = {
  variant_id: idSchema('variant').optional().describe('v2 only: the variant on that line'),
  sku: z.string().optional().describe("v2 only: the variant's SKU"),
};

export const cartCreatedSchema = z
  .object({ ...owner, created_at: isoTime })
  .describe("A user's cart came into being with its first item (again after each checkout).");

export const itemAddedToCartSchema = z
  .object({
    ...owner,
    schema_version: z
      .union([z.literal(1), z.literal(2)])
      .describe('version of this event data shape: 1 a product without variants, 2 adds its variant'),
    cart_item_id: cartItemId,
    product_id: productId,
    product_name: z.string(),
    image: z.string().nullable(),
    unit_price: minorUnitsSchema.positive().describe('price per unit, minor units'),
    currency: currencySchema,
    quantity: lineQuantity.describe('units added by this event'),
    line_quantity: lineQuantity.describe("the line's total quantity after this event"),
    variant_id: idSchema('variant').optional().describe('v2 only: the variant on that line'),
    sku: z.string().optional().describe("v2 only: the variant's SKU"),
    variant_options: z
      .record(z.string(), z.string())
      .optional()
      .describe("v2 only: the variant's options, e.g. {size: M}"),
    added_at: isoTime,
  })
  .describe(
    'A quantity of a product (v2: of one of its variants) was added to the cart: a new line, or merged into ' +
      'the existing line of that product and variant (then cart_item_id is that line and line_quantity its ' +
      'new total). Name, image and unit price are the snapshot the line now keeps. A product without ' +
      'variants keeps writing v1, whose shape is unchanged; v1 reads as a line without a variant.',
  );

export const cartItemQuantityChangedSchema = z
  .object({
    ...owner,
    schema_version: versionWithVariants,
    cart_item_id: cartItemId,
    product_id: productId,
    ...lineVariant,
    old_quantity: lineQuantity,
    quantity: lineQuantity,
    changed_at: isoTime,
  })
  .describe('The customer set a cart line to a new quantity (1..99).');

export const cartItemRemovedSchema = z
  .object({
    ...owner,
    schema_version: versionWithVariants,
    cart_item_id: cartItemId,
    product_id: productId,
    ...lineVariant,
    quantity: lineQuantity,
    removed_at: isoTime,
  })
  .describe('A line left the cart (removed, or its quantity set to 0); quantity is what it held.');

export const cartClearedSchema = z
  .object({ ...owner, cleared_at: isoTime })
  .describe('The customer emptied the cart; the cart itself stays open.');

export const cartCheckedOutSchema = z
  .object({
    ...owner,
    schema_version: versionWithVariants,
    order_id: idSchema('order').nullable(),
    items: z
      .array(
        z.object({
          cart_item_id: cartItemId,
          product_id: productId,
          ...lineVariant,
          variant_options: z
            .record(z.string(), z.string())
            .optional()
            .describe("v2 only: the variant's options"),
          product_name: z.string(),
          unit_price: minorUnitsSchema.positive().describe('price per unit, minor units'),
          quantity: lineQuantity,
        }),
      )
      .min(1),
    currency: currencySchema,
    checked_out_at: isoTime,
  })
  .describe(
    'The cart became an order (order_id when known): its lines, as they were, left the cart, which is closed ' +
      'until the next item is added.',
  );

export const cartCheckoutBeganSchema = z
  .object({
    ...owner,
    reservation_id: idSchema('reservation').describe('the reservation this checkout holds the stock under'),
    expires_at: isoTime.describe('when the reservation lapses, and with it the checkout'),
    began_at: isoTime,
  })
  .describe(
    'A checkout of the cart began (reservation or order): until it ends, lapses or the cart is checked ' +
      'out, no other checkout of this cart may begin (409 BIZ_4010 / BIZ_4011).',
  );

export const cartCheckoutEndedSchema = z
  .object({
    ...owner,
    reservation_id: idSchema('reservation'),
    reason: z.enum(['released', 'failed', 'cancelled']).describe('why the checkout ended without an order'),
    ended_at: isoTime,
  })
  .describe('The checkout ended without the cart becoming an order: the cart is free to check out again.');

export const cartLineRepricedSchema = z
  .object({
    ...owner,
    schema_version: versionWithVariants,
    cart_item_id: cartItemId,
    product_id: productId,
    ...lineVariant,
    old_unit_price: minorUnitsSchema.positive().describe("the line's price before, minor units"),
    unit_price: minorUnitsSchema.positive().describe("the product's current catalog price, minor units"),
    currency: currencySchema,
    repriced_at: isoTime,
  })
  .describe(
    "A checkout found the product's price changed since the line was added (409 BIZ_4005): the line now " +
      'carries the current price, so the next attempt goes through at the price the customer was shown.',
  );

const mergedLine = z.object({
  cart_item_id: cartItemId,
  product_id: productId,
  product_name: z.string(),
  image: z.string().nullable(),
  unit_price: minorUnitsSchema.positive().describe('the price now, minor units'),
  currency: currencySchema,
  quantity: lineQuantity.describe('units this merge added to the line'),
  line_quantity: lineQuantity.describe("the line's total quantity after the merge (capped at 99)"),
  variant_id: idSchema('variant').optional().describe('v2 only: the variant on that line'),
  sku: z.string().optional().describe("v2 only: the variant's SKU"),
  variant_options: z.record(z.string(), z.string()).optional().describe("v2 only: the variant's options"),
});

export const cartMergedFromGuestSchema = z
  .object({
    ...owner,
    schema_version: versionWithVariants,
    guest_cart_id: idSchema('cart').describe('the guest cart whose lines were merged'),
    lines: z.array(mergedLine).describe('each guest line as it landed in this cart, priced now'),
    merged_at: isoTime,
  })
  .describe(
    "A guest cart's lines were added to the customer's cart at login: quantities added, each line capped " +
      'at 99 and carrying the price now. Happens at most once per guest cart.',
  );

export const guestCartMergedSchema = z
  .object({
    ...owner,
    into_user_id: idSchema('user').describe('the customer whose cart received the lines'),
    schema_version: versionWithVariants,
    into_cart_id: idSchema('cart'),
    items: z.array(
      z.object({
        cart_item_id: cartItemId,
        product_id: productId,
        variant_id: idSchema('variant').optional().describe('v2 only: the variant on that line'),
        quantity: lineQuantity,
      }),
    ),
    merged_at: isoTime,
  })
  .describe(
    'The guest cart was merged into a customer cart at login and is closed for good: its token no ' +
      'longer opens a cart.',
  );

export const cartExpiredSchema = z
  .object({
    ...owner,
    schema_version: versionWithVariants,
    idle_since: isoTime.describe('the last change of the cart'),
    items: z.array(
      z.object({ cart_item_id: cartItemId, product_id: productId, ...lineVariant, quantity: lineQuantity }),
    ),
    expired_at: isoTime,
  })
  .describe(
    'The cart stayed unchanged for its lifetime (guest 7 days, customer 30 by default) and was emptied ' +
      'by the process manager; the next add opens it again.',
  );

const couponCode = z
  .string()
  .regex(/^[A-Z0-9-]{4,32}$/)
  .describe('the coupon code, upper case');

export const couponAppliedToCartSchema = z
  .object({
    ...owner,
    code: couponCode,
    percent_off_bps: z
      .number()
      .int()
      .min(0)
      .max(9000)
      .nullable()
      .describe('percent off in basis points, or null'),
    amount_off: minorUnitsSchema.nullable().describe('amount off the subtotal in minor units, or null'),
    min_subtotal: minorUnitsSchema.nullable().describe('the smallest subtotal it applies to, minor units'),
    applied_at: isoTime,
  })
  .describe(
    "The customer put a coupon on the cart (replacing any other). The terms that set the cart's discount " +
      'are kept with it (coupons never change); its window and redemption limits are checked at checkout.',
  );

export const couponRemovedFromCartSchema = z
  .object({ ...owner, code: couponCode, removed_at: isoTime })
  .describe('The customer took the coupon off the cart.');

/** Event type → zod schema of its data (used to validate, and to generate docs/events.md). */
export const cartEventSchemas = {
  CartCreated: cartCreatedSchema,
  ItemAddedToCart: itemAddedToCartSchema,
  CartItemQuantityChanged: cartItemQuantityChangedSchema,
  CartItemRemoved: cartItemRemovedSchema,
  CartCleared: cartClearedSchema,
  CartCheckedOut: cartCheckedOutSchema,
  CartCheckoutBegan: cartCheckoutBeganSchema,
  CartCheckoutEnded: cartCheckoutEndedSchema,
  CartLineRepriced: cartLineRepricedSchema,
  CartMergedFromGuest: cartMergedFromGuestSchema,
  GuestCartMerged: guestCartMergedSchema,
  CartExpired: cartExpiredSchema,

  CouponAppliedToCart: couponAppliedToCartSchema,
  CouponRemovedFromCart: couponRemovedFromCartSchema,
} as const;

export type CartCreated = DomainEvent<'CartCreated', z.infer<typeof cartCreatedSchema>>;
export type ItemAddedToCart = DomainEvent<'ItemAddedToCart', z.infer<typeof itemAddedToCartSchema>>;
export type CartItemQuantityChanged = DomainEvent<
  'CartItemQuantityChanged',
  z.infer<typeof cartItemQuantityChangedSchema>
>;
export type CartItemRemoved = DomainEvent<'CartItemRemoved', z.infer<typeof cartItemRemovedSchema>>;
export type CartCleared = DomainEvent<'CartCleared', z.infer<typeof cartClearedSchema>>;
export type CartCheckedOut = DomainEvent<'CartCheckedOut', z.infer<typeof cartCheckedOutSchema>>;

export type CartCheckoutBegan = DomainEvent<'CartCheckoutBegan', z.infer<typeof cartCheckoutBeganSchema>>;
export type CartCheckoutEnded = DomainEvent<'CartCheckoutEnded', z.infer<typeof cartCheckoutEndedSchema>>;
export type CartLineRepriced = DomainEvent<'CartLineRepriced', z.infer<typeof cartLineRepricedSchema>>;

export type CartMergedFromGuest = DomainEvent<
  'CartMergedFromGuest',
  z.infer<typeof cartMergedFromGuestSchema>
>;
export type GuestCartMerged = DomainEvent<'GuestCartMerged', z.infer<typeof guestCartMergedSchema>>;
export type CartExpired = DomainEvent<'CartExpired', z.infer<typeof cartExpiredSchema>>;

export type CouponAppliedToCart = DomainEvent<
  'CouponAppliedToCart',
  z.infer<typeof couponAppliedToCartSchema>
>;
export type CouponRemovedFromCart = DomainEvent<
  'CouponRemovedFromCart',
  z.infer<typeof couponRemovedFromCartSchema>
>;

export type CartEvent =
  | CartMergedFromGuest
  | GuestCartMerged
  | CartExpired
  | CouponAppliedToCart
  | CouponRemovedFromCart
  | CartCheckoutBegan
  | CartCheckoutEnded
  | CartLineRepriced
  | CartCreated
  | ItemAddedToCart
  | CartItemQuantityChanged
  | CartItemRemoved
  | CartCleared
  | CartCheckedOut;
