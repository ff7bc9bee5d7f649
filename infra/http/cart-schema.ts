import { z } from 'zod';
import { currency, instant, money } from './response-fields.ts';

/** API.md's cart body, as presentCart (cart-body.ts) sends it from both APIs. */
export const cartBodySchema = z
  .object({
    cart_id: z.string().nullable().describe('null until the first item is added'),
    user_id: z.string().nullable(),
    items: z.array(
      z.object({
        cart_item_id: z.string(),
        product_id: z.string(),
        product_name: z.string(),
        quantity: z.number().int(),
        price: money.describe('the same as unit_price, kept for older clients'),
        list_price: money.describe("the product's (or variant's) price before any rule"),
        unit_price: money.describe('after the pricing rules that apply now'),
        applied_rules: z
          .array(z.object({ rule_id: z.string(), step: z.string(), label: z.string() }))
          .describe('the pricing steps that changed the price, in order'),
        subtotal: money,
        image: z.string().nullable(),
        variant_id: z.string().optional().describe('the variant on this line (a product sold per variant)'),
        sku: z.string().optional().describe("the variant's SKU"),
        variant_options: z
          .record(z.string(), z.string())
          .optional()
          .describe("the variant's options, e.g. {size: M}"),
        in_stock: z.boolean().optional().describe('query API only: the line can be bought now'),
      }),
    ),
    subtotal: money,
    discount: money.describe("the coupon's discount, taken off before tax"),
    coupon: z.string().nullable().describe("the coupon's code, or null"),
    tax: money,
    total: money,
    currency,
    item_count: z.number().int(),
    created_at: instant.nullable(),
    updated_at: instant.nullable(),
  })
  .meta({ id: 'Cart' });
