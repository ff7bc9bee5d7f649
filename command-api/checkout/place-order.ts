import { checkoutDecider, checkoutStream, hasLapsed } from '../../domain/checkout/checkout.ts';
import type { Address, PaymentMethod } from '../../domain/ordering/commands.ts';
import { orderDecider, orderStream } from '../../domain/ordering/order.ts';
import { DomainError, ErrorCode, notFound } from '../../domain/shared/errors.ts';
import type { OrderId, ProductId, ReservationId, UserId } from '../../domain/shared/ids.ts';
import type { CommandMetadata } from '../../infra/commands/metadata.ts';
import type { Position } from '../../infra/eventstore/position.ts';
import { paymentDeclined } from '../../infra/payments/port.ts';
import { stepEventIds } from '../../process-manager/checkout/event-ids.ts';
import { completeOrder, confirmOrder } from '../../process-manager/checkout/order-completion.ts';
import { recordPaymentDecline } from '../../process-manager/checkout/payment-settlement.ts';
import { hasCode, step } from '../../process-manager/checkout/workflow-deps.ts';
import type { CheckoutDeps } from './checkout-deps.ts';
import { reserveCart } from './reserve-cart.ts';

export type PlaceOrderInput = {
  userId: UserId;
  shippingAddress: Address;
  billingAddress: Address;
  paymentMethod: PaymentMethod;
  reservationId?: ReservationId;
  metadata: CommandMetadata;
};

const ended = (id: string, why: string) =>
  new DomainError(ErrorCode.ReservationExpired, `Reservation ${id} ${why}`);

/**
 * POST /orders: the checkout workflow run inline, step by step, each step recorded as events so the
 * process manager can resume it (payment-settlement.ts) if this request dies:
 * reservation (given, or the cart reserved now) → order attached to it → OrderPlaced → charge (key =
 * order id) → OrderConfirmed → stock committed → cart checked out → checkout completed.
 * A second request for the same reservation reuses the attached order, so it never charges twice.
 */
export async function placeOrder(deps: CheckoutDeps, input: PlaceOrderInput) {
  const { handler, clock } = deps;
  const { userId, metadata } = input;
  const reservationId = input.reservationId ?? (await reserveCart(deps, userId, metadata)).reservationId;
  const { state: checkout } = await handler.load(checkoutDecider, checkoutStream(reservationId));
  if (checkout.status === 'none' || checkout.userId !== userId) throw notFound('Reservation', reservationId);
  if (checkout.status === 'completed' && checkout.orderId)
    return loadOrder(deps, checkout.orderId as OrderId);
  if (checkout.status === 'released' || checkout.status === 'failed')
    throw ended(reservationId, `was ${checkout.status}`);
  if (checkout.status !== 'reserved')
    throw new DomainError(ErrorCode.IllegalStateTransition, `Reservation ${reservationId} is not complete`);
  if (!checkout.orderId && hasLapsed(checkout, clock().toISOString()))
    throw ended(reservationId, 'has expired');

  const orderId = (checkout.orderId ?? deps.ids('order')) as OrderId;
  if (!checkout.orderId) {
    await handler.handle({
      decider: checkoutDecider,
      stream: checkoutStream(reservationId),
      metadata,
      command: { type: 'AttachOrder', data: { reservationId, orderId, userId, now: clock().toISOString() } },
    });
    await step(deps, 'order-attached', orderId);
  }

  let { state: order } = await handler.load(orderDecider, orderStream(orderId));
  if (order.status === 'none') {
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
            unitPrice: line.unit_price,
            currency: line.currency,
          })),
          shippingAddress: input.shippingAddress,
          billingAddress: input.billingAddress,
          paymentMethod: input.paymentMethod,
          reservationId,
          pricing: deps.pricing,
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
  // PaymentUnavailable (503) leaves the order pending and attached: a retry reuses it, same key.
  const charge = await deps.payments.charge({
    idempotencyKey: orderId,
    amount: placed.total,
    currency: placed.currency,
    token: input.paymentMethod.token,
  });
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

async function loadOrder(deps: CheckoutDeps, orderId: OrderId, position?: Position) {
  const { state, revision } = await deps.handler.load(orderDecider, orderStream(orderId));
  return { orderId, state, revision, position };
}
