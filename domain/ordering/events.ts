import { z } from 'zod';
import { idSchema } from '../shared/ids.ts';
import { currencySchema } from '../shared/money.ts';

/** Streams of this context are `order-<orderId>`; docs/events.md is generated from the schemas below. */
export const orderingStreamCategory = 'order';

export const orderStatuses = [
  'pending',
  'confirmed',
  'processing',
  'shipped',
  'delivered',
  'cancelled',
] as const;
export type OrderStatus = (typeof orderStatuses)[number];

const schemaVersion = z.literal(1).describe('version of this event data shape');
const orderId = idSchema('order').describe('the order');
const minor = z.number().int().nonnegative();
const instant = z.iso.datetime({ offset: true });

export const addressSchema = z
  .object({
    street: z.string().min(1),
    city: z.string().min(1),
    state: z.string().min(1),
    postal_code: z.string().min(1),
    country: z.string().min(1),
  })
  .describe('a postal address; every field required');

export const orderItemSchema = z
  .object({
    product_id: idSchema('product'),
    product_name: z.string().min(1).describe('the name when the order was placed'),
    quantity: z.number().int().positive(),
    unit_price: minor.describe('price per unit in minor units when the order was placed'),
    subtotal: minor.describe('quantity × unit_price, minor units'),
    variant_id: idSchema('variant').optional().describe('v3 only: the variant ordered'),
    sku: z.string().optional().describe("v3 only: the variant's SKU"),
  })
  .describe('one line of an order, priced at checkout');

/** OrderPlaced as written before pricing steps and coupons (schema_version 1); upcast on read (upcast.ts). */
export const OrderPlacedV1 = z
  .object({
    schema_version: schemaVersion,
    order_id: orderId,
    user_id: idSchema('user').describe('the customer who owns the order'),
    reservation_id: idSchema('reservation').describe('the stock reservation holding its items'),
    items: z.array(orderItemSchema).min(1),
    currency: currencySchema,
    subtotal: minor.describe('sum of line subtotals, minor units'),
    tax: minor.describe('subtotal × tax rate, rounded half to even, minor units'),
    shipping_cost: minor.describe('flat shipping, 0 at or above the free-shipping threshold, minor units'),
    total: minor.describe('subtotal + tax + shipping_cost, minor units'),
    pricing: z
      .object({
        tax_rate: z.object({ numerator: z.number().int(), denominator: z.number().int().positive() }),
        shipping_flat: minor,
        free_shipping_over: minor,
      })
      .describe('the pricing configuration the totals were computed with'),
    shipping_address: addressSchema,
    billing_address: addressSchema,
    payment_method: z
      .object({
        type: z.string().min(1),
        token_hint: z.string().describe('masked; the token itself is never kept'),
      })
      .describe('how the customer chose to pay'),
    placed_at: instant,
  })
  .describe('A customer placed an order for reserved items; it is pending until its payment is confirmed.');

const pricedStepSchema = z
  .object({
    step: z.enum(['base', 'variant', 'sale', 'quantity', 'tier']),
    rule_id: z.string().optional().describe('the pricing rule of this step (not for base or variant)'),
    label: z.string(),
    unit_price: minor.describe('the unit price after this step, minor units'),
  })
  .describe('one step of the price calculation (docs/pricing.md)');

export const orderItemV2Schema = orderItemSchema
  .extend({
    list_price: minor.describe('the catalog price per unit before any rule, minor units'),
    steps: z.array(pricedStepSchema).min(1).describe('how the unit price was reached: base first'),
  })
  .describe('one line of an order, priced at checkout, with the steps that priced it');

export const OrderPlaced = OrderPlacedV1.extend({
  schema_version: z
    .union([z.literal(2), z.literal(3)])
    .describe('version of this event data shape (1: without steps and coupon; 3: a line names a variant)'),
  items: z.array(orderItemV2Schema).min(1),
  discount: minor.describe("the coupon's discount on the subtotal, minor units (0 without one)"),
  coupon: z.string().nullable().describe('the coupon code redeemed for this order, or null'),
  tax: minor.describe('(subtotal − discount) × tax rate, rounded half to even, minor units'),
  total: minor.describe('subtotal − discount + tax + shipping_cost, minor units'),
}).describe(
  'A customer placed an order for reserved items; it is pending until its payment is confirmed. ' +
    "Schema version 2 adds each line's list price and pricing steps, and the coupon and its discount.",
);

export const OrderConfirmed = z
  .object({
    schema_version: schemaVersion,
    order_id: orderId,
    payment_id: z.string().min(1).describe("the payment provider's charge id"),
    amount: minor.describe('amount charged, minor units (the order total)'),
    confirmed_at: instant,
  })
  .describe('The payment was charged; the order is confirmed.');

export const OrderPaymentFailed = z
  .object({
    schema_version: schemaVersion,
    order_id: orderId,
    reason: z.string().min(1).describe("the provider's reason, e.g. declined"),
    failed_at: instant,
  })
  .describe('A charge was declined; the order stays pending and its reservation holds until it lapses.');

export const OrderProcessingStarted = z
  .object({ schema_version: schemaVersion, order_id: orderId, processing_at: instant })
  .describe('Fulfilment started on a confirmed order.');

export const OrderShipped = z
  .object({
    schema_version: schemaVersion,
    order_id: orderId,
    tracking_number: z.string().min(1),
    shipped_at: instant,
  })
  .describe("The order left the warehouse with the carrier's tracking number.");

export const OrderDelivered = z
  .object({ schema_version: schemaVersion, order_id: orderId, delivered_at: instant })
  .describe('The order reached the customer.');

export const OrderCancelled = z
  .object({
    schema_version: schemaVersion,
    order_id: orderId,
    cancelled_by: idSchema('user').describe('who cancelled'),
    cancelled_by_role: z.string().min(1).describe('their role at the time'),
    reason: z.string().min(1),
    previous_status: z
      .enum(['pending', 'confirmed', 'processing'])
      .describe('pending: release the reservation; confirmed or processing: return the committed stock'),
    reservation_id: idSchema('reservation'),
    refund_amount: minor.describe('the full total when it was paid, else 0; minor units'),
    currency: currencySchema,
    cancelled_at: instant,
  })
  .describe('The order was cancelled; a refund of refund_amount is owed when it is above 0.');

export const OrderRefunded = z
  .object({
    schema_version: schemaVersion,
    order_id: orderId,
    refund_id: z.string().min(1).describe("the payment provider's refund id"),
    amount: minor.describe('amount refunded, minor units'),
    currency: currencySchema,
    refunded_at: instant,
  })
  .describe("The refund owed by the order's cancellation went through the payment provider.");

/** Every ordering event type and its schema. */
export const orderingEventSchemas = {
  OrderPlaced,
  OrderConfirmed,
  OrderPaymentFailed,
  OrderProcessingStarted,
  OrderShipped,
  OrderDelivered,
  OrderCancelled,
  OrderRefunded,
} as const;

export type OrderingEventType = keyof typeof orderingEventSchemas;
export type OrderEvent = {
  [K in OrderingEventType]: { type: K; data: z.infer<(typeof orderingEventSchemas)[K]> };
}[OrderingEventType];
export type OrderEventOf<K extends OrderingEventType> = Extract<OrderEvent, { type: K }>;
export type OrderPlacedData = z.infer<typeof OrderPlaced>;
export type OrderPlacedV1Data = z.infer<typeof OrderPlacedV1>;
