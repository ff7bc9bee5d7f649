import { z } from 'zod';
import type { DomainEvent } from '../shared/decider.ts';
import { idSchema } from '../shared/ids.ts';
import { currencySchema } from '../shared/money.ts';

/**
 * The checkout workflow's own record, stream `checkout-<reservationId>`: what a reservation covers and
 * who owns it, and every step the workflow took, so an auditor can follow a checkout from the cart to the
 * order (or to its compensation) and the workflow can resume from it after a crash.
 */
export const checkoutStreamCategory = 'checkout';

const schemaVersion = z.literal(1);
const reservationId = idSchema('reservation');
const orderId = idSchema('order');
const instant = z.iso.datetime({ offset: true });

export const checkoutLineSchema = z.object({
  product_id: idSchema('product'),
  product_name: z.string().min(1),
  unit_price: z.number().int().positive().describe('the cart snapshot price, minor units'),
  currency: currencySchema,
  quantity: z.number().int().min(1).max(99),
  variant_id: idSchema('variant').optional().describe('v2 only: the variant the line reserves'),
  sku: z.string().optional().describe("v2 only: the variant's SKU"),
});
export type CheckoutLine = z.infer<typeof checkoutLineSchema>;

export const CheckoutStarted = z
  .object({
    schema_version: z
      .union([z.literal(1), z.literal(2)])
      .describe('version of this event data shape: 2 when a line names a variant (variant_id, sku)'),
    reservation_id: reservationId,
    user_id: idSchema('user'),
    items: z.array(checkoutLineSchema).min(1),
    expires_at: instant,
    started_at: instant,
  })
  .describe(
    "A customer asked to reserve their cart's lines under one reservation id (recorded before any stock is held).",
  );

export const CheckoutStockReserved = z
  .object({ schema_version: schemaVersion, reservation_id: reservationId, reserved_at: instant })
  .describe('Every line of the checkout is held on its stock item.');

export const CheckoutReservationFailed = z
  .object({
    schema_version: schemaVersion,
    reservation_id: reservationId,
    short: z.array(
      z.object({ product_id: idSchema('product'), requested: z.number().int(), available: z.number().int() }),
    ),
    failed_at: instant,
  })
  .describe('Some lines were short; the lines already held were released again (compensation).');

export const CheckoutReleased = z
  .object({
    schema_version: schemaVersion,
    reservation_id: reservationId,
    released_by: idSchema('user'),
    released_at: instant,
  })
  .describe('The customer gave the reservation back before ordering.');

export const CheckoutOrderAttached = z
  .object({
    schema_version: schemaVersion,
    reservation_id: reservationId,
    order_id: orderId,
    attached_at: instant,
  })
  .describe('An order was placed on the reservation; no other order may use it unless this one is detached.');

export const CheckoutOrderDetached = z
  .object({
    schema_version: schemaVersion,
    reservation_id: reservationId,
    order_id: orderId,
    reason: z.string().min(1),
    detached_at: instant,
  })
  .describe("The order's payment failed; the reservation is free for another order until it lapses.");

export const CheckoutCompleted = z
  .object({
    schema_version: schemaVersion,
    reservation_id: reservationId,
    order_id: orderId,
    completed_at: instant,
  })
  .describe(
    "The paid order's stock was committed on every line and the cart checked out: the workflow is done.",
  );

export const CheckoutOrderResumed = z
  .object({
    schema_version: schemaVersion,
    reservation_id: reservationId,
    order_id: orderId,
    resumed_at: instant,
  })
  .describe(
    'A new request took up the attached order, whose previous attempt had paused or gone silent; it pays ' +
      'that same order (same charge key), so nothing is ever charged twice.',
  );

export const CheckoutPaymentPaused = z
  .object({
    schema_version: schemaVersion,
    reservation_id: reservationId,
    order_id: orderId,
    reason: z.string().min(1),
    paused_at: instant,
  })
  .describe(
    'The request paying the attached order stopped without an outcome (provider unavailable): the order stays attached and the next request may resume it at once.',
  );

export const CheckoutCouponClaimed = z
  .object({
    schema_version: schemaVersion,
    reservation_id: reservationId,
    order_id: orderId,
    code: z.string().min(1).describe("the coupon code, normalised as the coupon's stream names it"),
    claimed_at: instant,
  })
  .describe(
    'The attached order is about to redeem this coupon, recorded before the redemption: an order never ' +
      'placed, or placed with another coupon, gives the redemption of this code back.',
  );

export const checkoutEventSchemas = {
  CheckoutStarted,
  CheckoutStockReserved,
  CheckoutReservationFailed,
  CheckoutReleased,
  CheckoutOrderAttached,
  CheckoutOrderDetached,
  CheckoutCompleted,
  CheckoutOrderResumed,
  CheckoutPaymentPaused,
  CheckoutCouponClaimed,
} as const;

export type CheckoutEventType = keyof typeof checkoutEventSchemas;
export type CheckoutEvent = {
  [K in CheckoutEventType]: DomainEvent<K, z.infer<(typeof checkoutEventSchemas)[K]>>;
}[CheckoutEventType];
