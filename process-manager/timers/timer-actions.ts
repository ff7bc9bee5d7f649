import { applyCancellation } from '../../application/checkout/cancellation.ts';
import { releaseCoupon } from '../../application/checkout/coupon-redemption.ts';
import { completeOrder } from '../../application/checkout/order-completion.ts';
import { settlePayment } from '../../application/checkout/payment-settlement.ts';
import { hasCode, metadataFor, type WorkflowDeps } from '../../application/checkout/workflow-deps.ts';
import type { CommandMetadata } from '../../application/commands/metadata.ts';
import { cartDecider, cartStream } from '../../domain/cart/cart.ts';
import {
  type CheckoutState,
  checkoutDecider,
  checkoutStream,
  couponsClaimedBy,
} from '../../domain/checkout/checkout.ts';
import { orderDecider, orderStream } from '../../domain/ordering/order.ts';
import { defaultTierThresholds, type TierThresholds } from '../../domain/pricing/earned-tiers.ts';
import { ErrorCode } from '../../domain/shared/errors.ts';
import type { OrderId, ProductId, ReservationId, UserId, VariantId } from '../../domain/shared/ids.ts';
import { itemKey } from '../../domain/shared/line-key.ts';
import { shopTracer, traceTimer } from '../../infra/telemetry/index.ts';
import { recordSpend } from '../pricing/earned-tier.ts';
import { expireCart } from './cart-expiry.ts';
import type { TimerAction, TimerOutcome } from './claim-loop.ts';
import type { TimerRow } from './pm-projection.ts';

export type TimerActionOptions = {
  /** A reservation whose order is being paid right now is not expired under it for this long after the order was placed. */
  paymentWindowMs?: number;
  /** How soon a step that could not finish (provider down, payment still open) is tried again. */
  retryMs?: number;
  /** Lifetime spend from which each tier is earned (TIER_THRESHOLDS); default: the documented defaults. */
  tierThresholds?: TierThresholds;
};

const done: TimerOutcome = { done: true };

/** What each kind of timer does when it falls due. Every action is idempotent. */
export function createTimerActions(deps: WorkflowDeps, options: TimerActionOptions = {}): TimerAction {
  const paymentWindowMs = options.paymentWindowMs ?? 30_000;
  const retryMs = options.retryMs ?? 5_000;
  const later = (ms: number): TimerOutcome => ({
    done: false,
    retryAt: new Date(deps.clock().getTime() + ms),
  });

  /**
   * Gives back what an order never placed redeemed: the codes it claimed on the checkout record (a no-op
   * for a claim it never redeemed). A record from before claims were kept names none: the cart's coupon.
   */
  async function releaseUnplacedCoupon(checkout: CheckoutState, metadata: CommandMetadata) {
    if (!checkout.userId || !checkout.orderId) return;
    const orderId = checkout.orderId as OrderId;
    let codes = couponsClaimedBy(checkout, orderId);
    if (codes.length === 0) {
      const { state: cart } = await deps.handler.load(cartDecider, cartStream(checkout.userId as UserId));
      codes = cart.coupon ? [cart.coupon.code] : [];
    }
    for (const code of codes)
      await releaseCoupon(deps.handler, { code, orderId, now: deps.clock().toISOString() }, metadata);
  }

  async function expireReservation(timer: TimerRow): Promise<TimerOutcome> {
    const reservationId = timer.payload.reservation_id as ReservationId;
    const productId = timer.payload.product_id as ProductId;
    const variantId = timer.payload.variant_id as VariantId | undefined;
    const variant = variantId ? { variantId } : {};
    const metadata = metadataFor({
      correlationId: timer.payload.correlation_id,
      causationId: timer.payload.causation_id,
    });
    const { state: checkout } = await deps.handler.load(checkoutDecider, checkoutStream(reservationId));
    if (checkout.orderId) {
      const { state: order } = await deps.handler.load(
        orderDecider,
        orderStream(checkout.orderId as OrderId),
      );
      // Paid: the stock is sold, the completion step commits it; expiring it now would oversell.
      if (order.payment !== null && order.status !== 'cancelled') return done;
      // A payment in flight at the expiry gets a short grace, so a charge is not taken for stock already gone.
      const placedAt = order.placed ? Date.parse(order.placed.placed_at) : 0;
      if (
        order.status === 'pending' &&
        order.paymentFailures.length === 0 &&
        deps.clock().getTime() - placedAt < paymentWindowMs
      )
        return later(500);
      // Attached but never placed (its request died between redeeming a coupon and placing the order):
      // the redemption goes back with the reservation, or the coupon's use would be lost for good.
      if (order.status === 'none') await releaseUnplacedCoupon(checkout, metadata);
    }
    try {
      await deps.stock.execute(
        {
          type: 'ExpireReservation',
          data: { productId, ...variant, reservationId, now: deps.clock().toISOString() },
        },
        metadata,
        `expire:${reservationId}:${itemKey({ product_id: productId, variant_id: variantId })}`,
      );
    } catch (error) {
      if (hasCode(error, ErrorCode.NotFound)) return done;
      // Early (this clock is behind the one that set the expiry): try again shortly.
      if (hasCode(error, ErrorCode.IllegalStateTransition)) return later(200);
      throw error;
    }
    return done;
  }

  // Each firing is its own trace, linked to the command behind the event that set the timer.
  const tracer = shopTracer();
  return (timer) =>
    traceTimer(
      tracer,
      { kind: timer.kind, id: timer.key, dueAt: timer.due_at, traceparent: timer.payload.traceparent },
      () => fire(timer),
    );

  async function fire(timer: TimerRow): Promise<TimerOutcome> {
    const orderId = timer.payload.order_id as OrderId;
    const metadata = metadataFor({
      correlationId: timer.payload.correlation_id,
      causationId: timer.payload.causation_id,
    });
    switch (timer.kind) {
      case 'expire-reservation':
        return expireReservation(timer);
      case 'settle-payment': {
        const settled = await settlePayment(deps, orderId, metadata, retryMs);
        return settled.done ? done : { done: false, retryAt: settled.retryAt };
      }
      case 'complete-order':
        await completeOrder(deps, orderId, metadata);
        return done;
      case 'expire-cart':
        return expireCart(deps, timer);
      case 'earn-tier': {
        const kind = timer.payload.spend_kind === 'refunded' ? 'refunded' : 'confirmed';
        const thresholds = options.tierThresholds ?? defaultTierThresholds;
        const recorded = await recordSpend({ ...deps, thresholds }, { orderId, kind }, metadata);
        return recorded ? done : later(retryMs);
      }
      case 'cancel-effects': {
        const { refundStatus } = await applyCancellation(deps, orderId, metadata);
        return refundStatus === 'pending' ? later(retryMs) : done;
      }
      default:
        return done;
    }
  }
}
