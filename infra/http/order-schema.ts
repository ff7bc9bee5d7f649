import { z } from 'zod';
import { orderStatuses } from '../../domain/ordering/events.ts';
import { currency, instant, money } from './response-fields.ts';

const address = z.object({
  street: z.string(),
  city: z.string(),
  state: z.string(),
  postal_code: z.string(),
  country: z.string(),
});

/** The full order as presentOrder (order-body.ts) sends it from both APIs. */
export const orderBodySchema = z
  .object({
    order_id: z.string(),
    user_id: z.string(),
    status: z.enum(orderStatuses),
    reservation_id: z.string(),
    items: z.array(
      z.object({
        product_id: z.string(),
        product_name: z.string(),
        variant_id: z.string().optional().describe('the variant ordered (a product sold per variant)'),
        sku: z.string().optional().describe("the variant's SKU"),
        quantity: z.number().int(),
        list_price: money.describe('the price before any pricing rule'),
        unit_price: money,
        subtotal: money,
        steps: z
          .array(
            z.object({
              step: z.string(),
              rule_id: z.string().optional(),
              label: z.string(),
              unit_price: money.describe('the unit price after this step'),
            }),
          )
          .describe('why the line cost what it cost: each step of the price calculation, base first'),
      }),
    ),
    item_count: z.number().int(),
    subtotal: money,
    discount: money.describe("the coupon's discount, taken off before tax"),
    coupon: z.string().nullable(),
    tax: money,
    shipping_cost: money,
    total: money,
    currency,
    shipping_address: address,
    billing_address: address,
    payment_method: z.object({ type: z.string(), token_hint: z.string() }),
    payment_id: z.string().nullable(),
    tracking_number: z.string().nullable(),
    cancellation: z
      .object({
        cancelled_by: z.string(),
        reason: z.string(),
        refund_amount: money,
        refund_status: z.enum(['none', 'pending', 'refunded']),
      })
      .nullable(),
    timestamps: z.object({
      placed_at: instant,
      confirmed_at: instant.nullable(),
      processing_at: instant.nullable(),
      shipped_at: instant.nullable(),
      delivered_at: instant.nullable(),
      cancelled_at: instant.nullable(),
      refunded_at: instant.nullable(),
    }),
    created_at: instant,
    updated_at: instant,
  })
  .meta({ id: 'Order' });
