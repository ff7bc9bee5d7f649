import type { Decider } from '../shared/decider.ts';
import { unreachable } from '../shared/decider.ts';
import { DomainError, ErrorCode, illegalTransition, notFound } from '../shared/errors.ts';
import type { OrderId, ProductId, ReservationId, UserId } from '../shared/ids.ts';
import type { CheckoutEvent, CheckoutLine } from './events.ts';
import { attemptUntil, type PaymentAttempt, takeUpAttachedOrder } from './order-attempt.ts';

/**
 * The checkout record of one reservation (stream `checkout-<reservationId>`), a small decider in the
 * domain's style (pure: time and ids arrive in commands). It answers the questions the stock items
 * cannot: which lines a reservation covers, who owns it, and which order, if any, is using it.
 */
export const checkoutStream = (reservationId: string) => `checkout-${reservationId}`;

type Cmd<T extends string, D> = { type: T; data: D & { reservationId: ReservationId; now: string } };
export type CheckoutCommand =
  | Cmd<'StartCheckout', { userId: UserId; items: CheckoutLine[]; expiresAt: string }>
  | Cmd<'MarkCheckoutReserved', object>
  | Cmd<'MarkReservationFailed', { short: { productId: ProductId; requested: number; available: number }[] }>
  | Cmd<'ReleaseCheckout', { userId: UserId }>
  | Cmd<'AttachOrder', { orderId: OrderId; userId: UserId }>
  | Cmd<'DetachOrder', { orderId: OrderId; reason: string }>
  | Cmd<'PausePayment', { orderId: OrderId; reason: string }>
  | Cmd<'ClaimCoupon', { orderId: OrderId; code: string }>
  | Cmd<'CompleteCheckout', { orderId: OrderId }>;

export type CheckoutStatus = 'none' | 'started' | 'reserved' | 'failed' | 'released' | 'completed';
export type CheckoutState = {
  status: CheckoutStatus;
  userId: string | null;
  items: CheckoutLine[];
  expiresAt: string | null;
  /** The order currently using the reservation (null when none, or after its payment failed). */
  orderId: string | null;
  /** Every order ever attached, oldest first. */
  orders: string[];
  /** The request paying the attached order right now (see order-attempt.ts). */
  attempt: PaymentAttempt | null;
  /** Coupon codes claimed by orders before their redemption, oldest first (see couponsClaimedBy). */
  couponClaims: { orderId: string; code: string }[];
};

export const initialState = (): CheckoutState => ({
  status: 'none',
  userId: null,
  items: [],
  expiresAt: null,
  orderId: null,
  orders: [],
  attempt: null,
  couponClaims: [],
});

/** The coupon codes an order claimed on this reservation, whether or not it went on to redeem them. */
export const couponsClaimedBy = (state: CheckoutState, orderId: string): string[] =>
  state.couponClaims.filter((claim) => claim.orderId === orderId).map((claim) => claim.code);

const ms = (iso: string) => Date.parse(iso);
/** A reservation lapses at its expiry even before the timer has released its stock. */
export const hasLapsed = (state: CheckoutState, now: string) =>
  state.expiresAt !== null && ms(now) >= ms(state.expiresAt);

const ended = (id: string, why: string) =>
  new DomainError(ErrorCode.ReservationExpired, `Reservation ${id} has ended (${why})`);

export function decide(command: CheckoutCommand, state: CheckoutState): CheckoutEvent[] {
  const { reservationId: reservation_id, now } = command.data;
  const base = { schema_version: 1 as const, reservation_id };
  if (command.type === 'StartCheckout') {
    if (state.status !== 'none') return [];
    const { userId, items, expiresAt } = command.data;
    return [
      {
        type: 'CheckoutStarted',
        data: {
          ...base,
          ...(items.some((item) => item.variant_id) ? { schema_version: 2 as const } : {}),
          user_id: userId,
          items,
          expires_at: expiresAt,
          started_at: now,
        },
      },
    ];
  }
  if (state.status === 'none') throw notFound('Reservation', reservation_id);
  switch (command.type) {
    case 'MarkCheckoutReserved':
      if (state.status === 'reserved') return [];
      if (state.status !== 'started') throw illegalTransition('reservation', state.status, 'complete');
      return [{ type: 'CheckoutStockReserved', data: { ...base, reserved_at: now } }];
    case 'MarkReservationFailed':
      if (state.status === 'failed') return [];
      if (state.status !== 'started') throw illegalTransition('reservation', state.status, 'fail');
      return [
        {
          type: 'CheckoutReservationFailed',
          data: {
            ...base,
            short: command.data.short.map((s) => ({
              product_id: s.productId,
              requested: s.requested,
              available: s.available,
            })),
            failed_at: now,
          },
        },
      ];
    case 'ReleaseCheckout': {
      // Someone else's reservation does not exist for this caller (404, so ids cannot be probed).
      if (state.userId !== command.data.userId) throw notFound('Reservation', reservation_id);
      if (state.status === 'released') return [];
      if (state.status !== 'reserved') throw illegalTransition('reservation', state.status, 'release');
      if (state.orderId !== null)
        throw new DomainError(
          ErrorCode.IllegalStateTransition,
          `Reservation ${reservation_id} is used by order ${state.orderId}; cancel the order instead`,
        );
      return [
        { type: 'CheckoutReleased', data: { ...base, released_by: command.data.userId, released_at: now } },
      ];
    }
    case 'AttachOrder': {
      const { orderId, userId } = command.data;
      if (state.userId !== userId) throw notFound('Reservation', reservation_id);
      if (state.orderId === orderId) return [];
      if (state.status === 'released' || state.status === 'failed') throw ended(reservation_id, state.status);
      if (state.status !== 'reserved') throw illegalTransition('reservation', state.status, 'order on');
      if (hasLapsed(state, now)) throw ended(reservation_id, 'expired');
      // Another request's order: refused while it is being paid, else taken up (the same order).
      if (state.orderId !== null) return takeUpAttachedOrder(state, base, now);
      return [{ type: 'CheckoutOrderAttached', data: { ...base, order_id: orderId, attached_at: now } }];
    }
    case 'DetachOrder': {
      const { orderId, reason } = command.data;
      if (state.orderId !== orderId || state.status === 'completed') return [];
      return [
        { type: 'CheckoutOrderDetached', data: { ...base, order_id: orderId, reason, detached_at: now } },
      ];
    }
    case 'PausePayment': {
      const { orderId, reason } = command.data;
      if (state.orderId !== orderId || state.attempt === null || state.status === 'completed') return [];
      return [
        { type: 'CheckoutPaymentPaused', data: { ...base, order_id: orderId, reason, paused_at: now } },
      ];
    }
    case 'ClaimCoupon': {
      const { orderId, code } = command.data;
      if (couponsClaimedBy(state, orderId).includes(code)) return [];
      // Lapsed: the expiry gives back what was claimed; a claim after it would be redeemed for good.
      if (hasLapsed(state, now)) throw ended(reservation_id, 'expired');
      if (state.orderId !== orderId || state.status !== 'reserved')
        throw new DomainError(
          ErrorCode.IllegalStateTransition,
          `Reservation ${reservation_id} is not held for order ${orderId}; it cannot redeem a coupon`,
        );
      return [{ type: 'CheckoutCouponClaimed', data: { ...base, order_id: orderId, code, claimed_at: now } }];
    }
    case 'CompleteCheckout': {
      const { orderId } = command.data;
      if (state.status === 'completed') return [];
      if (state.orderId !== orderId) throw illegalTransition('reservation', state.status, 'complete');
      return [{ type: 'CheckoutCompleted', data: { ...base, order_id: orderId, completed_at: now } }];
    }
    default:
      return unreachable(command);
  }
}

export function evolve(state: CheckoutState, event: CheckoutEvent): CheckoutState {
  switch (event.type) {
    case 'CheckoutStarted':
      return {
        ...state,
        status: 'started',
        userId: event.data.user_id,
        items: event.data.items,
        expiresAt: event.data.expires_at,
      };
    case 'CheckoutStockReserved':
      return { ...state, status: 'reserved' };
    case 'CheckoutReservationFailed':
      return { ...state, status: 'failed' };
    case 'CheckoutReleased':
      return { ...state, status: 'released' };
    case 'CheckoutOrderAttached': {
      const { order_id: orderId, attached_at: at } = event.data;
      const attempt = { orderId, until: attemptUntil(at) };
      return { ...state, orderId, orders: [...state.orders, orderId], attempt };
    }
    case 'CheckoutOrderResumed':
      return {
        ...state,
        attempt: { orderId: event.data.order_id, until: attemptUntil(event.data.resumed_at) },
      };
    case 'CheckoutPaymentPaused':
      return { ...state, attempt: null };
    case 'CheckoutOrderDetached':
      return state.orderId === event.data.order_id ? { ...state, orderId: null, attempt: null } : state;
    case 'CheckoutCompleted':
      return { ...state, status: 'completed', attempt: null };
    case 'CheckoutCouponClaimed': {
      const claim = { orderId: event.data.order_id, code: event.data.code };
      return { ...state, couponClaims: [...state.couponClaims, claim] };
    }
    default:
      return unreachable(event);
  }
}

export const checkoutDecider: Decider<CheckoutCommand, CheckoutEvent, CheckoutState> = {
  decide,
  evolve,
  initialState,
};
