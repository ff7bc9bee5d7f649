import { DomainError, ErrorCode } from '../shared/errors.ts';
import type { OrderId } from '../shared/ids.ts';
import type { CheckoutEvent } from './events.ts';

/**
 * How long a request that attached (or resumed) an order is taken to be paying it. Within it, any other
 * request that wants to order on the same reservation is told a checkout is in progress (409 BIZ_4010);
 * after it (the request died, or hangs) the next request resumes the same order, whose charge key is
 * the order id, so it is never charged twice. Equal to the process manager's payment window.
 */
export const PAYMENT_ATTEMPT_MS = 30_000;

/** The request currently paying the attached order, if any. */
export type PaymentAttempt = { orderId: string; until: string };

export const attemptUntil = (at: string) => new Date(Date.parse(at) + PAYMENT_ATTEMPT_MS).toISOString();

/** True while a request is paying an order on this reservation (the attempt has not paused or gone stale). */
export const attemptInProgress = (attempt: PaymentAttempt | null, now: string) =>
  attempt !== null && Date.parse(now) < Date.parse(attempt.until);

export const checkoutInProgress = (reservationId: string) =>
  new DomainError(
    ErrorCode.CheckoutInProgress,
    `A checkout of this cart is already in progress (reservation ${reservationId})`,
  );

/**
 * Another order is attached to the reservation: while its payment attempt is in progress the caller is
 * refused (BIZ_4010); once it paused or went stale, the caller takes that same order up (resumed).
 */
export function takeUpAttachedOrder(
  state: { orderId: string | null; attempt: PaymentAttempt | null },
  base: { schema_version: 1; reservation_id: CheckoutEvent['data']['reservation_id'] },
  now: string,
): CheckoutEvent[] {
  if (attemptInProgress(state.attempt, now)) throw checkoutInProgress(base.reservation_id);
  return [
    {
      type: 'CheckoutOrderResumed',
      data: { ...base, order_id: state.orderId as OrderId, resumed_at: now },
    },
  ];
}
