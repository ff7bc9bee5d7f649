import { cartDecider, cartStream } from '../../domain/cart/cart.ts';
import { activeCheckout, recentOrder } from '../../domain/cart/checkout-rules.ts';
import { checkoutDecider, checkoutStream, hasLapsed } from '../../domain/checkout/checkout.ts';
import { checkoutInProgress } from '../../domain/checkout/order-attempt.ts';
import { orderDecider, orderStream } from '../../domain/ordering/order.ts';
import { orderDetails } from '../../domain/ordering/order-placement.ts';
import { DomainError, ErrorCode, notFound } from '../../domain/shared/errors.ts';
import type { OrderId, ReservationId } from '../../domain/shared/ids.ts';
import type { CheckoutDeps } from './checkout-deps.ts';
import { type KeyedIds, keyedIds } from './keyed-ids.ts';
import { checkOrderLines } from './order-lines.ts';
import { ended, loadOrder, type PlaceOrderInput, payAndComplete } from './pay-order.ts';
import { reserveCart } from './reserve-cart.ts';
import { step } from './workflow-deps.ts';

export type { PlaceOrderInput };

/**
 * POST /orders: the checkout workflow run inline, step by step, each step recorded as events so the
 * process manager can resume it (payment-settlement.ts) if this request dies:
 * reservation (given, the cart's held one, or the cart reserved now) → current prices and availability
 * checked → order attached to it → OrderPlaced → charge (key = order id) → OrderConfirmed → stock
 * committed → cart checked out → checkout completed.
 * One checkout per cart: another request checking out the same cart is refused (409 BIZ_4010) by the
 * cart (a reservation being taken) or by the checkout record (an order being paid), never charged again.
 */
export async function placeOrder(deps: CheckoutDeps, input: PlaceOrderInput) {
  const { handler, clock } = deps;
  const { userId, metadata } = input;
  // Refused before any step: a bad address must not reserve stock, lock the cart or take a coupon.
  orderDetails(input);
  const arrivedAt = input.arrivedAt ?? clock().toISOString();
  const keyed = input.idempotencyKey ? keyedIds(userId, 'orders', input.idempotencyKey) : undefined;
  if (keyed) {
    // A retry of a request that placed its order before it failed (timeout, crash): that order.
    const { state: order } = await handler.load(orderDecider, orderStream(keyed.orderId));
    if (order.placed && order.placed.user_id === userId)
      return payAndComplete(deps, input, keyed.orderId, order.placed.reservation_id as ReservationId);
  }
  const resolved = await reservationFor(deps, input, keyed, arrivedAt);
  if ('orderId' in resolved) return loadOrder(deps, resolved.orderId);
  const { reservationId } = resolved;

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

  // Re-check each line against the catalog now (BIZ_4006, BIZ_4005 with the cart repriced).
  const products = checkout.orderId
    ? undefined
    : await checkOrderLines(deps, userId, checkout.items, metadata);
  const candidate = (keyed?.orderId ?? deps.ids('order')) as OrderId;
  const attached = await handler.handle({
    decider: checkoutDecider,
    stream: checkoutStream(reservationId),
    metadata,
    command: {
      type: 'AttachOrder',
      data: { reservationId, orderId: candidate, userId, now: clock().toISOString() },
    },
  });
  // Attached now, or another request's order taken up (its attempt paused or went silent).
  const orderId = attached.state.orderId as OrderId;
  if (attached.events.length > 0) await step(deps, 'order-attached', orderId);
  return payAndComplete(deps, input, orderId, reservationId, products);
}

/**
 * The reservation this order goes on: the one given; the cart's own when it holds one (one active
 * reservation per cart); else the cart reserved now. A cart checked out while this request ran answers
 * with that order (a double submission), and a cart being reserved by another request is 409 BIZ_4010.
 */
async function reservationFor(
  deps: CheckoutDeps,
  input: PlaceOrderInput,
  keyed: KeyedIds | undefined,
  arrivedAt: string,
): Promise<{ reservationId: ReservationId } | { orderId: OrderId }> {
  if (input.reservationId) return { reservationId: input.reservationId };
  const { userId, metadata } = input;
  const { state: cart } = await deps.handler.load(cartDecider, cartStream(userId));
  const now = deps.clock().toISOString();
  const recent = recentOrder(cart, arrivedAt);
  if (recent) return { orderId: recent as OrderId };
  const running = activeCheckout(cart, now);
  if (running && running.reservationId !== keyed?.reservationId) {
    const { state } = await deps.handler.load(checkoutDecider, checkoutStream(running.reservationId));
    if (state.status === 'completed' && state.orderId) return { orderId: state.orderId as OrderId };
    if (state.status !== 'reserved') throw checkoutInProgress(running.reservationId);
    return { reservationId: running.reservationId as ReservationId };
  }
  try {
    const reservation = await reserveCart(deps, userId, metadata, {
      ...(keyed ? { reservationId: keyed.reservationId } : {}),
    });
    return { reservationId: reservation.reservationId };
  } catch (error) {
    // Emptied since it was read: by a checkout that ran beside this request, whose order this is.
    if (!(error instanceof DomainError && error.code === ErrorCode.CartEmpty)) throw error;
    const { state: emptied } = await deps.handler.load(cartDecider, cartStream(userId));
    const placed = recentOrder(emptied, arrivedAt);
    if (!placed) throw error;
    return { orderId: placed as OrderId };
  }
}
