import { z } from 'zod';
import {
  count,
  currency,
  envelope,
  laterVersion,
  minorUnits,
  orderId,
  productId,
  reservationId,
  userId,
  variantFields,
} from './envelope.ts';

const orderLine = z.strictObject({
  product_id: productId,
  product_name: z.string().describe('the name when the order was placed'),
  quantity: z.number().int().positive(),
  unit_price: minorUnits.describe('price per unit when ordered, minor units'),
  subtotal: minorUnits.describe('quantity × unit_price, minor units'),
});

/** OrderPlaced as published before version 2; its JSON Schema stays in docs/events for older consumers. */
export const OrderPlacedV1 = z
  .strictObject({
    ...envelope('OrderPlaced'),
    order_id: orderId,
    user_id: userId,
    reservation_id: reservationId,
    items: z.array(orderLine).min(1),
    item_count: count.describe('sum of the quantities'),
    currency,
    subtotal: minorUnits,
    tax: minorUnits,
    shipping_cost: minorUnits,
    total: minorUnits.describe('subtotal + tax + shipping_cost'),
    shipping_country: z.string().describe('country of the shipping address (no street, city or name)'),
    payment_method_type: z.string().describe('e.g. card; never a token'),
  })
  .describe('A customer placed an order; it is pending until paid (then OrderConfirmed).');

const pricingStep = z.strictObject({
  step: z.enum(['base', 'variant', 'sale', 'quantity', 'tier']),
  rule_id: z.string().optional().describe('the pricing rule of this step (not for base or variant)'),
  label: z.string(),
  unit_price: minorUnits.describe('unit price after this step'),
});

const orderLineV2 = z.strictObject({
  ...orderLine.shape,
  list_price: minorUnits.describe('catalog price per unit before any pricing rule, minor units'),
  steps: z.array(pricingStep).min(1).describe('how the unit price was reached (base, sale, quantity, tier)'),
});

/**
 * Version 2 adds, and only adds: each line's `list_price` and pricing `steps`, the order's coupon
 * `discount` and `coupon`. A consumer of version 1 that ignores unknown fields keeps working;
 * `total` is now subtotal − discount + tax + shipping_cost (discount 0 without a coupon).
 */
export const OrderPlaced = z
  .strictObject({
    ...OrderPlacedV1.shape,
    ...envelope('OrderPlaced', 2),
    items: z.array(orderLineV2).min(1),
    discount: minorUnits.describe("the coupon's discount on the subtotal (0 without one)"),
    coupon: z.string().nullable().describe('the coupon code used, or null'),
    total: minorUnits.describe('subtotal − discount + tax + shipping_cost'),
  })
  .describe(
    'A customer placed an order; it is pending until paid (then OrderConfirmed). Version 2: with pricing.',
  );

/**
 * Version 3 is version 2 with lines of variants: a line of a product sold in variants names its
 * `variant_id` and `sku`; the order is published at version 3 when any of its lines does, otherwise at
 * version 2, exactly as before variants existed (variant-versions.ts).
 */
export const OrderPlacedV3 = laterVersion(
  OrderPlaced,
  'OrderPlaced',
  3,
  { items: z.array(orderLineV2.extend(variantFields)).min(1) },
  'lines may name a variant',
);

/** Integration event types published at a version above 1 (the others are version 1). */
export const integrationSchemaVersions: Readonly<Record<string, number>> = {
  OrderPlaced: 2,
  OrderCancelled: 2,
};

export const OrderConfirmed = z
  .strictObject({
    ...envelope('OrderConfirmed'),
    order_id: orderId,
    amount: minorUnits.describe('amount charged'),
  })
  .describe('The payment for an order went through; the order is confirmed.');

export const OrderPaymentFailed = z
  .strictObject({ ...envelope('OrderPaymentFailed'), order_id: orderId, reason: z.string() })
  .describe('A charge was declined; the order stays pending until its reservation lapses.');

export const OrderProcessingStarted = z
  .strictObject({ ...envelope('OrderProcessingStarted'), order_id: orderId })
  .describe('Fulfilment started on a confirmed order.');

export const OrderShipped = z
  .strictObject({ ...envelope('OrderShipped'), order_id: orderId, tracking_number: z.string() })
  .describe("The order left the warehouse with the carrier's tracking number.");

export const OrderDelivered = z
  .strictObject({ ...envelope('OrderDelivered'), order_id: orderId })
  .describe('The order reached the customer.');

/** Version 1, published until 7 Dec 2026: it carried the cancelling person's free-text `reason`. */
export const OrderCancelledV1 = z
  .strictObject({
    ...envelope('OrderCancelled'),
    order_id: orderId,
    cancelled_by_role: z.string().describe('customer or admin'),
    reason: z.string(),
    previous_status: z.enum(['pending', 'confirmed', 'processing']),
    refund_amount: minorUnits.describe('owed refund, 0 when it was not paid'),
    currency,
  })
  .describe('An order was cancelled; a refund is owed when refund_amount > 0 (then OrderRefunded).');

/**
 * Version 2 is version 1 without `reason`: whatever a customer types there (a name, an address, a phone
 * number) is theirs, and no personal data goes to Kafka. The order keeps the reason for those who may
 * read the order.
 */
export const OrderCancelled = OrderCancelledV1.omit({ reason: true })
  .extend(envelope('OrderCancelled', 2))
  .describe(
    'An order was cancelled; a refund is owed when refund_amount > 0 (then OrderRefunded). Version 2: without the free-text reason.',
  );

export const OrderRefunded = z
  .strictObject({ ...envelope('OrderRefunded'), order_id: orderId, amount: minorUnits, currency })
  .describe('The refund of a cancelled, paid order went through.');

const checkoutLine = z.strictObject({
  product_id: productId,
  quantity: z.number().int().positive(),
  unit_price: minorUnits,
  currency,
});

export const CheckoutStarted = z
  .strictObject({
    ...envelope('CheckoutStarted'),
    reservation_id: reservationId.describe('the checkout (one reservation per checkout attempt)'),
    user_id: userId,
    items: z.array(checkoutLine).min(1),
    item_count: count,
    expires_at: z.iso.datetime({ offset: true }).describe('when the held stock lapses unless ordered'),
  })
  .describe('A customer began checking out their cart (stock is being reserved); key = reservation id.');

/** Version 2: lines may name a variant (variant-versions.ts). */
export const CheckoutStartedV2 = laterVersion(
  CheckoutStarted,
  'CheckoutStarted',
  2,
  { items: z.array(checkoutLine.extend(variantFields)).min(1) },
  'lines may name a variant',
);

export const orderTopicSchemas = {
  OrderPlaced,
  OrderConfirmed,
  OrderPaymentFailed,
  OrderProcessingStarted,
  OrderShipped,
  OrderDelivered,
  OrderCancelled,
  OrderRefunded,
  CheckoutStarted,
} as const;

/** Earlier versions whose JSON Schemas stay published beside the current one. */
export const previousIntegrationSchemas = [
  { type: 'OrderPlaced', version: 1, schema: OrderPlacedV1 },
  { type: 'OrderCancelled', version: 1, schema: OrderCancelledV1 },
] as const;
