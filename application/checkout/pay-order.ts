import {
  checkoutDecider,
  checkoutStream,
  couponsClaimedBy,
  hasLapsed,
} from '../../domain/checkout/checkout.ts';
import type { Address, PaymentMethod } from '../../domain/ordering/commands.ts';
import { orderDecider, orderStream } from '../../domain/ordering/order.ts';
import { DomainError, ErrorCode } from '../../domain/shared/errors.ts';
import type { OrderId, ProductId, ReservationId, UserId } from '../../domain/shared/ids.ts';
import { itemKey } from '../../domain/shared/line-key.ts';
import type { Position } from '../../infra/eventstore/position.ts';
import { PaymentUnavailable, paymentDeclined } from '../../infra/payments/port.ts';
import type { CommandMetadata } from '../commands/metadata.ts';
import type { CheckoutDeps } from './checkout-deps.ts';
import { stepEventIds } from './event-ids.ts';
import { completeOrder, confirmOrder } from './order-completion.ts';
import { type CheckedLines, checkOrderLines } from './order-lines.ts';
import { redeemFor, stepsOf } from './order-pricing.ts';
import { recordPaymentDecline } from './payment-settlement.ts';
import { hasCode, step } from './workflow-deps.ts';

/** What POST /orders asks of the checkout (place-order.ts), as paid here. */
export type PlaceOrderInput = {
  /** When the request arrived (ISO): one that ran beside the checkout of its cart gets that order. */
  arrivedAt?: string;
  userId: UserId;
  shippingAddress: Address;
  billingAddress: Address;
  paymentMethod: PaymentMethod;
  reservationId?: ReservationId;
  /** The request's Idempotency-Key: its retries resume the same checkout and order (keyed-ids.ts). */
  idempotencyKey?: string;
  metadata: CommandMetadata;
};

export const ended = (id: string, why: string) =>
  new DomainError(ErrorCode.ReservationExpired, `Reservation ${id} ${why}`);

export async function loadOrder(deps: CheckoutDeps, orderId: OrderId, position?: Position) {
  const { state, revision } = await deps.handler.load(orderDecider, orderStream(orderId));
  return { orderId, state, revision, position };
}

/**
 * The order attached to the reservation, from wherever it stands: placed (at the catalog's prices now,
 * checked first) if it is not yet, paid (charge key = order id, so a resumed attempt never charges twice),
 * confirmed, its stock committed and the cart checked out. An attempt that stops without an outcome
 * (provider unavailable, a price check refused) pauses, so the next request may resume the same order.
 */
export async function payAndComplete(
  deps: CheckoutDeps,
  input: PlaceOrderInput,
  orderId: OrderId,
  reservationId: ReservationId,
  checked?: CheckedLines,
) {
  const { handler, clock } = deps;
  const { userId, metadata } = input;
  const pause = (reason: string) =>
    handler.handle({
      decider: checkoutDecider,
      stream: checkoutStream(reservationId),
      metadata,
      command: { type: 'PausePayment', data: { reservationId, orderId, reason, now: clock().toISOString() } },
    });
  const { state: checkout } = await handler.load(checkoutDecider, checkoutStream(reservationId));
  let { state: order } = await handler.load(orderDecider, orderStream(orderId));
  if (order.status === 'none') {
    let lines = checked;
    if (!lines)
      try {
        lines = await checkOrderLines(deps, userId, checkout.items, metadata);
      } catch (error) {
        await pause('lines changed');
        throw error;
      }
    const claimed = couponsClaimedBy(checkout, orderId);
    const request = { orderId, userId, reservationId, claimed, lines, items: checkout.items };
    const coupon = await redeemFor(deps, request, metadata).catch(async (error: unknown) => {
      await pause('coupon unusable');
      throw error;
    });
    if (coupon) await step(deps, 'coupon-redeemed', orderId);
    const placed = await handler.handle({
      decider: orderDecider,
      stream: orderStream(orderId),
      metadata,
      eventId: stepEventIds(`place:${orderId}`),
      command: {
        type: 'PlaceOrder',
        data: {
          orderId,
          userId,
          items: checkout.items.map((line) => ({
            productId: line.product_id as ProductId,
            productName: line.product_name,
            quantity: line.quantity,
            unitPrice: lines?.products[itemKey(line)]?.price ?? line.unit_price,
            currency: line.currency,
            ...(line.variant_id ? { variant: { variantId: line.variant_id, sku: line.sku ?? '' } } : {}),
            ...stepsOf(lines?.quotes[itemKey(line)]),
          })),
          shippingAddress: input.shippingAddress,
          billingAddress: input.billingAddress,
          paymentMethod: input.paymentMethod,
          reservationId,
          pricing: deps.pricing,
          coupon,
          now: clock().toISOString(),
        },
      },
    });
    order = placed.state;
    await step(deps, 'order-placed', orderId);
  }
  if (order.status === 'cancelled') throw ended(reservationId, 'was used by a cancelled order');
  if (order.status !== 'pending') {
    const { position } = await completeOrder(deps, orderId, metadata);
    return loadOrder(deps, orderId, position);
  }
  // The lapse is checked again right before the money moves; the attach already did for a fresh order.
  if (hasLapsed(checkout, clock().toISOString())) throw ended(reservationId, 'has expired');

  const placed = order.placed!;
  let charge: Awaited<ReturnType<CheckoutDeps['payments']['charge']>>;
  try {
    charge = await deps.payments.charge({
      idempotencyKey: orderId,
      amount: placed.total,
      currency: placed.currency,
      token: input.paymentMethod.token,
    });
  } catch (error) {
    // 503: the order stays pending and attached, and the next request (any key) resumes it at once.
    if (error instanceof PaymentUnavailable) await pause('payment provider unavailable');
    throw error;
  }
  if (charge.status === 'declined') {
    await recordPaymentDecline(deps, { orderId, reservationId, reason: charge.declineReason, metadata });
    throw paymentDeclined(charge.declineReason);
  }
  await step(deps, 'charged', orderId);

  try {
    await confirmOrder(deps, orderId, charge, metadata);
  } catch (error) {
    if (!hasCode(error, ErrorCode.IllegalStateTransition)) throw error;
    // Cancelled while the charge was in flight (the process manager found the reservation lapsed):
    // the money goes back, and the customer learns the reservation is gone.
    await deps.payments.refund({
      idempotencyKey: `refund-${orderId}`,
      chargeId: charge.chargeId,
      amount: charge.amount,
      currency: charge.currency,
    });
    throw ended(reservationId, 'lapsed while paying; the charge was refunded');
  }
  const completion = await completeOrder(deps, orderId, metadata);
  if (completion.outcome === 'cancelled')
    throw ended(reservationId, 'lapsed before the stock was committed; the charge was refunded');
  return loadOrder(deps, orderId, completion.position);
}
