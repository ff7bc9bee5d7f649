import { z } from 'zod';
import {
  currency,
  envelope,
  laterVersion,
  minorUnits,
  orderId,
  productId,
  userId,
  variantFields,
  variantId,
  variantOptions,
} from './envelope.ts';

const role = z.enum(['customer', 'admin', 'auditor']);

// Behaviour: who registered, what went into carts, what was bought and viewed. Identified by
// pseudonymous user ids only: no email, name, phone, address, password hash or token, ever.
export const UserRegistered = z
  .strictObject({ ...envelope('UserRegistered'), user_id: userId, role })
  .describe('A user account was created. Carries no email, name, phone or credentials.');

export const UserRoleChanged = z
  .strictObject({ ...envelope('UserRoleChanged'), user_id: userId, role, previous_role: role })
  .describe("A user's role changed.");

export const UserErased = z
  .strictObject({ ...envelope('UserErased'), user_id: userId })
  .describe(
    'A user was erased (crypto-shredded): forget everything you hold about this user_id. Their orders stay, without personal data.',
  );

const cartLine = {
  user_id: userId.describe('the cart owner (one cart per user, so also the cart)'),
  product_id: productId,
};
/** What a line of a variant adds, at version 2 of the cart events (variant-versions.ts). */
const variantLine = { ...variantFields, variant_id: variantId };

export const ItemAddedToCart = z
  .strictObject({
    ...envelope('ItemAddedToCart'),
    ...cartLine,
    quantity: z.number().int().positive().describe('units added'),
    line_quantity: z.number().int().positive().describe('units of this product in the cart after'),
    unit_price: minorUnits,
    currency,
  })
  .describe('A customer added a product to their cart.');

export const CartItemQuantityChanged = z
  .strictObject({
    ...envelope('CartItemQuantityChanged'),
    ...cartLine,
    old_quantity: z.number().int().positive(),
    quantity: z.number().int().positive(),
  })
  .describe('A customer changed the quantity of a cart line.');

export const ItemRemovedFromCart = z
  .strictObject({ ...envelope('ItemRemovedFromCart'), ...cartLine, quantity: z.number().int().positive() })
  .describe('A cart line was removed; quantity is what it held.');

export const CartCleared = z
  .strictObject({ ...envelope('CartCleared'), user_id: userId })
  .describe('A customer emptied their cart.');

const purchasedLine = z.strictObject({
  product_id: productId,
  quantity: z.number().int().positive(),
  unit_price: minorUnits,
});

export const PurchaseCompleted = z
  .strictObject({
    ...envelope('PurchaseCompleted'),
    user_id: userId,
    order_id: orderId,
    items: z.array(purchasedLine).min(1),
    currency,
  })
  .describe("A paid order took the customer's cart: these products were bought.");

export const ProductViewed = z
  .strictObject({
    ...envelope('ProductViewed'),
    product_id: productId,
    user_id: userId.nullable().describe('null for an anonymous visitor'),
  })
  .describe('Someone opened a product page (GET /products/{id}); best effort, may drop when Kafka is down.');

/** Version 2 of the cart and purchase events: a line of a variant (variant-versions.ts). */
export const userVariantSchemas = {
  ItemAddedToCart: laterVersion(
    ItemAddedToCart,
    'ItemAddedToCart',
    2,
    {
      ...variantLine,
      variant_options: variantOptions,
      line_quantity: ItemAddedToCart.shape.line_quantity.describe('units of this variant in the cart after'),
    },
    'of a variant',
  ),
  CartItemQuantityChanged: laterVersion(
    CartItemQuantityChanged,
    'CartItemQuantityChanged',
    2,
    variantLine,
    'of a variant',
  ),
  ItemRemovedFromCart: laterVersion(
    ItemRemovedFromCart,
    'ItemRemovedFromCart',
    2,
    variantLine,
    'of a variant',
  ),
  PurchaseCompleted: laterVersion(
    PurchaseCompleted,
    'PurchaseCompleted',
    2,
    { items: z.array(purchasedLine.extend(variantFields)).min(1) },
    'lines may name a variant',
  ),
} as const;

export const userTopicSchemas = {
  UserRegistered,
  UserRoleChanged,
  UserErased,
  ItemAddedToCart,
  CartItemQuantityChanged,
  ItemRemovedFromCart,
  CartCleared,
  PurchaseCompleted,
  ProductViewed,
} as const;
