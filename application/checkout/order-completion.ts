import { cartDecider, cartStream } from '../../domain/cart/cart.ts';
import { checkoutDecider, checkoutStream } from '../../domain/checkout/checkout.ts';
import { orderDecider, orderStream } from '../../domain/ordering/order.ts';
import { ErrorCode } from '../../domain/shared/errors.ts';
import type { OrderId, ProductId, ReservationId, UserId, VariantId } from '../../domain/shared/ids.ts';
import { itemKey } from '../../domain/shared/line-key.ts';
import type { Position } from '../../infra/eventstore/position.ts';
import type { Charge } from '../../infra/payments/port.ts';
import type { CommandMetadata } from '../commands/metadata.ts';
import { cancelOrderAsProcessManager } from './cancellation.ts';
import { stepEventIds } from './event-ids.ts';
import { hasCode, isCartEmpty, isNotFound, sortedItems, step, type WorkflowDeps } from './workflow-deps.ts';

const now = (deps: WorkflowDeps) => deps.clock().toISOString();

/** The charge went through: the order is confirmed. A repeat with the same charge decides nothing. */
export async function confirmOrder(
  deps: WorkflowDeps,
  orderId: OrderId,
  charge: Charge,
  metadata: CommandMetadata,
) {
  const result = await deps.handler.handle({
    decider: orderDecider,
    stream: orderStream(orderId),
    metadata,
    eventId: stepEventIds(`confirm:${orderId}:${charge.chargeId}`),
    command: {
      type: 'ConfirmOrder',
      data: { orderId, paymentId: charge.chargeId, amount: charge.amount, now: now(deps) },
    },
  });
  await step(deps, 'confirmed', orderId);
  return result;
}

export type Completion = {
  outcome: 'completed' | 'not-paid' | 'cancelled';
  /** Where the last event this call appended stands (the client's consistency token). */
  position?: Position;
};

/**
 * After the confirmation: commit the reservation on every stock item (stock leaves on hand), check the
 * cart out, and record the checkout as completed. Every step is idempotent, so the process manager may
 * run this again after a crash at any point. A reservation that lapsed before its commit (the timer won
 * a race with a slow payment) cannot be sold any more: the order is cancelled and refunded instead.
 */
export async function completeOrder(
  deps: WorkflowDeps,
  orderId: OrderId,
  metadata: CommandMetadata,
): Promise<Completion> {
  const { handler } = deps;
  const { state: order } = await handler.load(orderDecider, orderStream(orderId));
  const placed = order.placed;
  if (!placed || order.status === 'pending' || order.status === 'none') return { outcome: 'not-paid' };
  if (order.status === 'cancelled') return { outcome: 'cancelled' };
  const reservationId = placed.reservation_id as ReservationId;
  for (const item of sortedItems(order)) {
    const productId = item.product_id as ProductId;
    const variant = item.variant_id ? { variantId: item.variant_id as VariantId } : {};
    try {
      await deps.stock.execute(
        { type: 'CommitReservation', data: { productId, ...variant, reservationId } },
        metadata,
        `commit:${reservationId}:${itemKey(item)}`,
      );
    } catch (error) {
      if (!hasCode(error, ErrorCode.ReservationExpired)) throw error;
      deps.logger.warn(
        { order_id: orderId, reservation_id: reservationId },
        'paid order lost its reservation; cancelling with refund',
      );
      await cancelOrderAsProcessManager(
        deps,
        orderId,
        'reservation lapsed before the stock was committed',
        metadata,
      );
      return { outcome: 'cancelled' };
    }
  }
  await step(deps, 'stock-committed', orderId);

  const checkout = await handler.load(checkoutDecider, checkoutStream(reservationId));
  // Once the checkout is completed the cart may hold a new shopping: never check that one out.
  let position: Position | undefined;
  if (checkout.state.status !== 'completed') {
    const userId = placed.user_id as UserId;
    try {
      await handler.handle({
        decider: cartDecider,
        stream: cartStream(userId),
        metadata,
        command: { type: 'CheckOutCart', data: { userId, orderId, now: now(deps) } },
      });
    } catch (error) {
      if (!isCartEmpty(error)) throw error;
    }
    await step(deps, 'cart-checked-out', orderId);
    try {
      const completed = await handler.handle({
        decider: checkoutDecider,
        stream: checkoutStream(reservationId),
        metadata,
        command: { type: 'CompleteCheckout', data: { reservationId, orderId, now: now(deps) } },
      });
      position = completed.position;
    } catch (error) {
      // An order placed on a reservation without a checkout record (none in this system) has nothing to complete.
      if (!isNotFound(error)) throw error;
    }
  }
  return { outcome: 'completed', ...(position ? { position } : {}) };
}
