import { z } from 'zod';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Any JSON value, one named recursive component in the documents (zod's own z.json() has no name). */
export const jsonValueSchema: z.ZodType<Json> = z
  .lazy(() =>
    z.union([
      z.string(),
      z.number(),
      z.boolean(),
      z.null(),
      z.array(jsonValueSchema),
      z.record(z.string(), jsonValueSchema),
    ]),
  )
  .meta({ id: 'JsonValue' });

/** A product's specifications: any JSON values by name (`{"weight": "1.2 kg", "ports": ["usb-c"]}`). */
export const specificationsSchema = z.record(z.string(), jsonValueSchema);

/** API.md's stock levels body: `{product_id, on_hand, reserved, available}` (both APIs). */
export const stockLevelsSchema = z
  .object({
    product_id: z.string(),
    variant_id: z.string().optional().describe("a variant's own levels (command answers for a variant)"),
    on_hand: z.number().int(),
    reserved: z.number().int(),
    available: z.number().int().describe('on_hand - reserved'),
  })
  .meta({ id: 'StockLevels' });

/** GET /inventory/{product_id}: the product's levels, and each variant's when it has variants. */
export const inventoryLevelsSchema = stockLevelsSchema
  .extend({
    variants: z
      .array(
        z.object({
          variant_id: z.string(),
          sku: z.string(),
          status: z.enum(['active', 'retired']),
          on_hand: z.number().int(),
          reserved: z.number().int(),
          available: z.number().int(),
        }),
      )
      .optional(),
  })
  .meta({ id: 'InventoryLevels' });

/** Where a product sits in the category tree, root first. */
export const categoryPathSchema = z.array(z.object({ slug: z.string(), name: z.string() }));
