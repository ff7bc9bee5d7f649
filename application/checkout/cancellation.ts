import { cartDecider, cartStream } from '../../domain/cart/cart.ts';
import { checkoutDecider, checkoutStream } from '../../domain/checkout/checkout.ts';
import { reservationStatus, stockDecider, stockStream } from '../../domain/inventory/stock.ts';
import { orderDecider, orderStream } from '../../domain/ordering/order.ts';
import { ErrorCode } from '../../domain/shared/errors.ts';
import type { OrderId, ProductId, ReservationId, UserId, VariantId } from '../../domain/shared/ids.ts';
import { itemKey } from '../../domain/shared/line-key.ts';
import { PaymentUnavailable } from '../../infra/payments/port.ts';
import type { CommandMetadata } from '../commands/metadata.ts';
import { releaseCoupon } from './coupon-redemption.ts';
import { stepEventIds } from './event-ids.ts';
import { hasCode, PROCESS_MANAGER_ACTOR, sortedItems, step, type WorkflowDeps } from './workflow-deps.ts';

export type RefundStatus = 'none' | 'refunded' | 'pending';

/**
 * The effects of an OrderCancelled: stock back (a held reservation released, committed stock returned)
 * and, when the order was paid, the full total refunded through the provider and recorded. Idempotent:
 * the process manager runs it again after a crash, or while the provider was unavailable.
 */
export async function applyCancellation(
  deps: WorkflowDeps,
  orderId: OrderId,
  metadata: CommandMetadata,
): Promise<{ refundStatus: RefundStatus; refundAmount: number }> {
  const { handler } = deps;
  const { state: order } = await handler.load(orderDecider, orderStream(orderId));
  const placed = order.placed;
  if (!placed || order.status !== 'cancelled' || !order.cancellation)
    return { refundStatus: 'none', refundAmount: 0 };
  // A cancelled order gives its coupon redemption back (idempotent, so repeating the effects is harmless).
  if (placed.coupon)
    await releaseCoupon(handler, { code: placed.coupon, orderId, now: deps.clock().toISOString() }, metadata);
  const reservationId = placed.reservation_id as ReservationId;
  const paid = order.payment !== null;
  const checkout = (await handler.load(checkoutDecider, checkoutStream(reservationId))).state;
  // An unpaid order holds its reservation only while attached to it: after a decline the reservation is
  // the customer's to order again until it lapses (API.md), and may already serve a later order.
  const holdsReservation = paid || checkout.status === 'none' || checkout.orderId === orderId;

  for (const item of sortedItems(order)) {
    const productId = item.product_id as ProductId;
    const variantId = item.variant_id as VariantId | undefined;
    const variant = variantId ? { variantId } : {};
    const key = itemKey(item);
    const { state: stock } = await handler.load(stockDecider, stockStream(productId, variantId));
    const status = reservationStatus(stock, reservationId);
    if (status === 'active' && holdsReservation)
      await deps.stock.execute(
        { type: 'ReleaseReservation', data: { productId, ...variant, reservationId } },
        metadata,
        `release:${reservationId}:${key}`,
      );
    // Unknown and paid: committed longer ago than the item remembers; the order names the quantity.
    else if ((status === 'committed' || status === undefined) && paid)
      await deps.stock.execute(
        {
          type: 'ReturnCommittedStock',
          data: { productId, ...variant, reservationId, quantity: item.quantity },
        },
        metadata,
        `return:${reservationId}:${key}`,
      );
  }
  await step(deps, 'stock-returned', orderId);
  // An unpaid order that held the reservation let it go: the cart may check out again.
  if (holdsReservation && !paid) await freeCart(deps, placed.user_id as UserId, reservationId, metadata);
  if (checkout.orderId === orderId)
    await handler.handle({
      decider: checkoutDecider,
      stream: checkoutStream(reservationId),
      metadata,
      command: {
        type: 'DetachOrder',
        data: { reservationId, orderId, reason: 'order cancelled', now: deps.clock().toISOString() },
      },
    });

  const owed = order.cancellation.refundAmount;
  if (owed === 0) {
    if (!paid) await refundStrayCharge(deps, orderId);
    return { refundStatus: 'none', refundAmount: 0 };
  }
  if (order.refund) return { refundStatus: 'refunded', refundAmount: owed };
  if (!order.payment) return { refundStatus: 'none', refundAmount: 0 };
  try {
    const refund = await deps.payments.refund({
      idempotencyKey: `refund-${orderId}`,
      chargeId: order.payment.paymentId,
      amount: owed,
      currency: placed.currency,
    });
    await handler.handle({
      decider: orderDecider,
      stream: orderStream(orderId),
      metadata,
      eventId: stepEventIds(`refund:${orderId}:${refund.refundId}`),
      command: {
        type: 'RecordRefund',
        data: { orderId, refundId: refund.refundId, amount: refund.amount, now: deps.clock().toISOString() },
      },
    });
    return { refundStatus: 'refunded', refundAmount: owed };
  } catch (error) {
    // The refund is owed and recorded as owed (OrderCancelled); the process manager retries it.
    if (error instanceof PaymentUnavailable) return { refundStatus: 'pending', refundAmount: owed };
    throw error;
  }
}

async function freeCart(
  deps: WorkflowDeps,
  userId: UserId,
  reservationId: string,
  metadata: CommandMetadata,
) {
  await deps.handler.handle({
    decider: cartDecider,
    stream: cartStream(userId),
    metadata,
    command: {
      type: 'EndCheckout',
      data: { userId, reservationId, reason: 'cancelled', now: deps.clock().toISOString() },
    },
  });
}

/** The process manager cancels an order on its own (lapsed before payment, or lost its stock). */
export async function cancelOrderAsProcessManager(
  deps: WorkflowDeps,
  orderId: OrderId,
  reason: string,
  metadata: CommandMetadata,
) {
  try {
    await deps.handler.handle({
      decider: orderDecider,
      stream: orderStream(orderId),
      metadata,
      eventId: stepEventIds(`pm-cancel:${orderId}`),
      command: {
        type: 'CancelOrder',
        data: { orderId, actor: PROCESS_MANAGER_ACTOR, reason, now: deps.clock().toISOString() },
      },
    });
  } catch (error) {
    // Cancelled meanwhile (by the customer, or another instance): the effects below are still owed.
    if (!hasCode(error, ErrorCode.IllegalStateTransition)) throw error;
  }
  await step(deps, 'cancelled', orderId);
  return applyCancellation(deps, orderId, metadata);
}

/**
 * An unpaid order was cancelled, but a charge for it may still have gone through (the request that
 * charged died before confirming, and the order lapsed meanwhile). Its money goes back; the order owed
 * nothing, so there is no OrderRefunded to record, only the provider's refund under the same key.
 */
async function refundStrayCharge(deps: WorkflowDeps, orderId: OrderId) {
  const charge = await deps.payments.findCharge(orderId);
  if (charge?.status !== 'succeeded') return;
  await deps.payments.refund({
    idempotencyKey: `refund-${orderId}`,
    chargeId: charge.chargeId,
    amount: charge.amount,
    currency: charge.currency,
  });
  deps.logger.warn(
    { order_id: orderId, charge_id: charge.chargeId },
    'charge of a cancelled unpaid order refunded',
  );
}
