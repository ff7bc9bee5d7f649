import { checkoutDecider, checkoutStream, hasLapsed } from '../../domain/checkout/checkout.ts';
import { orderDecider, orderStream } from '../../domain/ordering/order.ts';
import type { OrderId, ReservationId } from '../../domain/shared/ids.ts';
import type { CommandMetadata } from '../commands/metadata.ts';
import { cancelOrderAsProcessManager } from './cancellation.ts';
import { releaseCoupon } from './coupon-redemption.ts';
import { stepEventIds } from './event-ids.ts';
import { completeOrder, confirmOrder } from './order-completion.ts';
import type { WorkflowDeps } from './workflow-deps.ts';

/**
 * A declined charge: the order records the failure (it stays pending) and the checkout lets go of it,
 * so the reservation is kept until it lapses and the customer may try again. One implementation for the
 * request's own attempt and for the process manager's resumption; deterministic ids make it retry-safe.
 */
export async function recordPaymentDecline(
  deps: Pick<WorkflowDeps, 'handler' | 'clock'>,
  decline: {
    orderId: OrderId;
    reservationId: ReservationId;
    reason: string | null | undefined;
    metadata: CommandMetadata;
  },
): Promise<void> {
  const { orderId, reservationId, metadata } = decline;
  const now = deps.clock().toISOString();
  await deps.handler.handle({
    decider: orderDecider,
    stream: orderStream(orderId),
    metadata,
    eventId: stepEventIds(`payment-failed:${orderId}`),
    command: { type: 'MarkPaymentFailed', data: { orderId, reason: decline.reason ?? 'declined', now } },
  });
  // The next attempt is a new order: this one's coupon redemption goes back first (idempotent).
  const { state: order } = await deps.handler.load(orderDecider, orderStream(orderId));
  if (order.placed?.coupon)
    await releaseCoupon(deps.handler, { code: order.placed.coupon, orderId, now }, metadata);
  await deps.handler.handle({
    decider: checkoutDecider,
    stream: checkoutStream(reservationId),
    metadata,
    command: { type: 'DetachOrder', data: { reservationId, orderId, reason: 'payment declined', now } },
  });
}

export type Settlement = { done: true; outcome: string } | { done: false; retryAt: Date };

/**
 * Resumes a checkout whose order is still pending some time after it was placed (the request that placed
 * it died, or is slow). The provider is asked for the charge by its key, the order id, so nothing is ever
 * charged here: a charge that went through is confirmed and completed; a decline is recorded; an order
 * that never got paid is cancelled once its reservation lapsed (the card token is never stored, so only
 * the customer can pay it).
 */
export async function settlePayment(
  deps: WorkflowDeps,
  orderId: OrderId,
  metadata: CommandMetadata,
  retryAfterMs = 5_000,
): Promise<Settlement> {
  const { handler, clock } = deps;
  const { state: order } = await handler.load(orderDecider, orderStream(orderId));
  const placed = order.placed;
  if (!placed) return { done: true, outcome: 'no-order' };
  if (order.status === 'cancelled') return { done: true, outcome: 'cancelled' };
  if (order.status !== 'pending') {
    const { outcome } = await completeOrder(deps, orderId, metadata);
    return { done: true, outcome };
  }
  const charge = await deps.payments.findCharge(orderId);
  if (charge?.status === 'succeeded') {
    await confirmOrder(deps, orderId, charge, metadata);
    return { done: true, outcome: (await completeOrder(deps, orderId, metadata)).outcome };
  }
  const reservationId = placed.reservation_id as ReservationId;
  const now = clock().toISOString();
  if (charge?.status === 'declined' && order.paymentFailures.length === 0) {
    await recordPaymentDecline(deps, { orderId, reservationId, reason: charge.declineReason, metadata });
  }
  const { state: checkout } = await handler.load(checkoutDecider, checkoutStream(reservationId));
  const superseded = checkout.status !== 'none' && checkout.orderId !== orderId;
  if (hasLapsed(checkout, now) || superseded || checkout.status === 'none') {
    await cancelOrderAsProcessManager(deps, orderId, 'not paid before its reservation lapsed', metadata);
    return { done: true, outcome: 'cancelled-unpaid' };
  }
  // Still payable: look again later, at the latest when the reservation lapses.
  const lapse = Date.parse(checkout.expiresAt ?? now);
  return { done: false, retryAt: new Date(Math.min(lapse, clock().getTime() + retryAfterMs)) };
}
