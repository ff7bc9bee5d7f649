import { checkoutDecider, checkoutStream } from '../../domain/checkout/checkout.ts';
import type { Actor } from '../../domain/ordering/commands.ts';
import { orderDecider, orderStream } from '../../domain/ordering/order.ts';
import { notFound } from '../../domain/shared/errors.ts';
import type { OrderId, ReservationId, UserId } from '../../domain/shared/ids.ts';
import { toMajorUnits } from '../../domain/shared/money.ts';
import type { CommandMetadata } from '../commands/metadata.ts';
import { applyCancellation } from './cancellation.ts';
import { endCartCheckout } from './cart-checkout.ts';
import type { CheckoutDeps } from './checkout-deps.ts';
import { releaseLines } from './reserve-cart.ts';
import { step } from './workflow-deps.ts';

/**
 * With If-Match, the order's existence (and for a customer, ownership) is checked before the revision is:
 * otherwise a 412 for every revision but the real one would tell a stranger that the order exists, and
 * at which revision (the decider's 404 only comes after the handler's revision check).
 */
async function requireVisibleOrder(deps: CheckoutDeps, orderId: OrderId, actor?: Actor) {
  const { state } = await deps.handler.load(orderDecider, orderStream(orderId));
  const owner = state.placed?.user_id;
  if (owner === undefined || (actor && actor.role !== 'admin' && actor.userId !== owner))
    throw notFound('Order', orderId);
}

/**
 * Cancel (owner or admin): OrderCancelled, then its effects at once (stock back, refund of the full
 * total when paid). The process manager repeats the effects if this request dies half-way.
 */
export async function cancelOrder(
  deps: CheckoutDeps,
  input: {
    orderId: OrderId;
    actor: Actor;
    reason: string;
    metadata: CommandMetadata;
    /** If-Match: the order's revision the caller saw (a conflict then surfaces as 412). */
    expectedRevision?: bigint | undefined;
  },
) {
  const { orderId, actor, reason, metadata, expectedRevision } = input;
  if (expectedRevision !== undefined) await requireVisibleOrder(deps, orderId, actor);
  const result = await deps.handler.handle({
    decider: orderDecider,
    stream: orderStream(orderId),
    metadata,
    expectedRevision,
    command: { type: 'CancelOrder', data: { orderId, actor, reason, now: deps.clock().toISOString() } },
  });
  await step(deps, 'cancelled', orderId);
  const { refundStatus, refundAmount } = await applyCancellation(deps, orderId, metadata);
  return {
    revision: result.revision,
    position: result.position,
    body: {
      order_id: orderId,
      status: 'cancelled' as const,
      cancelled_at: result.state.timestamps.cancelled ?? deps.clock().toISOString(),
      reason: result.state.cancellation?.reason ?? reason,
      refund_status: refundStatus,
      refund_amount: toMajorUnits(refundAmount),
    },
  };
}

export type LifecycleStep =
  | { type: 'ProcessOrder' }
  | { type: 'ShipOrder'; trackingNumber: string }
  | { type: 'DeliverOrder' };

/** Admin moves along the status machine; anything else is 409 BIZ_4006 from the order itself. */
export async function advanceOrder(
  deps: CheckoutDeps,
  orderId: OrderId,
  move: LifecycleStep,
  metadata: CommandMetadata,
  /** If-Match: the order's revision the caller saw (a conflict then surfaces as 412). */
  expectedRevision?: bigint,
) {
  if (expectedRevision !== undefined) await requireVisibleOrder(deps, orderId);
  const now = deps.clock().toISOString();
  const command =
    move.type === 'ShipOrder'
      ? { type: 'ShipOrder' as const, data: { orderId, trackingNumber: move.trackingNumber, now } }
      : { type: move.type, data: { orderId, now } };
  return deps.handler.handle({
    decider: orderDecider,
    stream: orderStream(orderId),
    metadata,
    command,
    expectedRevision,
  });
}

/** DELETE /checkout/reservations/{id}: the owner gives the stock back (someone else's is 404). */
export async function releaseReservation(
  deps: CheckoutDeps,
  input: { userId: UserId; reservationId: ReservationId; metadata: CommandMetadata },
) {
  const { userId, reservationId, metadata } = input;
  const { state } = await deps.handler.load(checkoutDecider, checkoutStream(reservationId));
  if (state.status === 'none' || state.userId !== userId) throw notFound('Reservation', reservationId);
  const result = await deps.handler.handle({
    decider: checkoutDecider,
    stream: checkoutStream(reservationId),
    metadata,
    command: { type: 'ReleaseCheckout', data: { reservationId, userId, now: deps.clock().toISOString() } },
  });
  await releaseLines(deps, reservationId, state.items, metadata);
  await endCartCheckout(deps, { userId, reservationId, reason: 'released' }, metadata);
  return result;
}
