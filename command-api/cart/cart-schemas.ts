import { z } from 'zod';
import { priceSchema } from '../catalog/money-input.ts';

// Ids are short strings here: one that is not of the right kind names nothing, so it answers 404.
// Quantities are checked for type here and for range by the cart decider (BIZ_4002, 1..99).
const id = z.string().min(1).max(128);

export const addItemSchema = z.object({
  product_id: id,
  /** Required when the product has active variants (API.md "Variants"). */
  variant_id: id.optional(),
  quantity: z.number(),
  /** The price the client saw; when sent it must still be the product's price (BIZ_4005). */
  price: priceSchema.optional(),
});

export const updateItemSchema = z.object({ cart_item_id: id, quantity: z.number() });

export const cartItemParams = z.object({ cart_item_id: id });
