import { z } from 'zod';
import type { DomainEvent } from '../shared/decider.ts';
import { idSchema } from '../shared/ids.ts';
import { currencySchema, minorUnitsSchema } from '../shared/money.ts';

/** Events of this context live in streams `cart-<userId>` (one cart per user). */
export const cartStreamCategory = 'cart';

const isoTime = z.iso.datetime({ offset: true });
const lineQuantity = z.number().int().min(1).max(99);
const owner = {
  schema_version: z.literal(1),
  cartId: idSchema('cart'),
  userId: idSchema('user'),
};

export const cartCreatedSchema = z
  .object({ ...owner, createdAt: isoTime })
  .describe("A user's cart came into being with its first item (again after each checkout).");

export const itemAddedToCartSchema = z
  .object({
    ...owner,
    cartItemId: idSchema('cartItem'),
    productId: idSchema('product'),
    productName: z.string(),
    image: z.string().nullable(),
    unitPrice: minorUnitsSchema.positive(),
    currency: currencySchema,
    quantity: lineQuantity,
    lineQuantity,
    addedAt: isoTime,
  })
  .describe(
    'A quantity of a product was added to the cart: a new line, or merged into the existing line of that ' +
      'product (then cartItemId is that line and lineQuantity its new total). Name, image and unit price ' +
      'are the snapshot the line now keeps.',
  );

export const cartItemQuantityChangedSchema = z
  .object({
    ...owner,
    cartItemId: idSchema('cartItem'),
    productId: idSchema('product'),
    oldQuantity: lineQuantity,
    quantity: lineQuantity,
    changedAt: isoTime,
  })
  .describe('The customer set a cart line to a new quantity (1..99).');

export const cartItemRemovedSchema = z
  .object({
    ...owner,
    cartItemId: idSchema('cartItem'),
    productId: idSchema('product'),
    quantity: lineQuantity,
    removedAt: isoTime,
  })
  .describe('A line left the cart (removed, or its quantity set to 0); quantity is what it held.');

export const cartClearedSchema = z
  .object({ ...owner, clearedAt: isoTime })
  .describe('The customer emptied the cart; the cart itself stays open.');

export const cartCheckedOutSchema = z
  .object({
    ...owner,
    orderId: idSchema('order').nullable(),
    items: z
      .array(
        z.object({
          cartItemId: idSchema('cartItem'),
          productId: idSchema('product'),
          productName: z.string(),
          unitPrice: minorUnitsSchema.positive(),
          quantity: lineQuantity,
        }),
      )
      .min(1),
    currency: currencySchema,
    checkedOutAt: isoTime,
  })
  .describe(
    'The cart became an order (orderId when known): its lines, as they were, left the cart, which is closed ' +
      'until the next item is added.',
  );

/** Event type → zod schema of its data (used to validate, and to generate docs/events.md). */
export const cartEventSchemas = {
  CartCreated: cartCreatedSchema,
  ItemAddedToCart: itemAddedToCartSchema,
  CartItemQuantityChanged: cartItemQuantityChangedSchema,
  CartItemRemoved: cartItemRemovedSchema,
  CartCleared: cartClearedSchema,
  CartCheckedOut: cartCheckedOutSchema,
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

export type CartEvent =
  | CartCreated
  | ItemAddedToCart
  | CartItemQuantityChanged
  | CartItemRemoved
  | CartCleared
  | CartCheckedOut;
