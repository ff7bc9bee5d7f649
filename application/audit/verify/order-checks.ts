import type { OrderState } from '../../../domain/ordering/order.ts';
import type { RecordedEvent } from '../../../infra/eventstore/port.ts';
import type { FindingSink } from './findings.ts';

/** A refund must answer a cancellation that owes exactly that amount, once. Checked before the refund folds. */
export function checkOrderEvent(before: OrderState, event: RecordedEvent, report: FindingSink): void {
  if (event.type !== 'OrderRefunded') return;
  const where = { stream: event.streamName, revision: event.revision.toString(), eventId: event.id };
  const amount = (event.data as { amount?: number }).amount;
  if (!before.cancellation) {
    report({
      kind: 'refund-without-cancellation',
      ...where,
      message: `refund of ${amount} on an order never cancelled`,
    });
    return;
  }
  if (before.refund) report({ kind: 'refund-twice', ...where, message: 'a second refund' });
  if (before.cancellation.refundAmount !== amount)
    report({
      kind: 'refund-mismatch',
      ...where,
      message: `refund ${amount} but the cancellation owes ${before.cancellation.refundAmount}`,
    });
}

export type OrderFacts = {
  stream: string;
  state: OrderState;
  /** When OrderConfirmed / OrderCancelled were recorded (ms), for the grace period of in-flight work. */
  confirmedAt?: number;
  cancelledAt?: number;
};

/** What the reservations' stock streams say, by reservation id → product id → status. */
export type ReservationIndex = Map<string, Map<string, string>>;

/**
 * Cross-aggregate checks at the end of the pass: a confirmed (or later) order has a charge for its total and
 * its reservation committed on every line's stock item; a cancellation that owes a refund has one. Work
 * younger than `graceMs` may still be in flight (the workflow confirms, then commits) and is not judged.
 */
export function checkOrderOutcome(
  order: OrderFacts,
  reservations: ReservationIndex,
  now: number,
  graceMs: number,
  report: FindingSink,
): void {
  const { state } = order;
  const placed = state.placed;
  if (!placed) return;
  const settled = (at: number | undefined) => at !== undefined && now - at >= graceMs;
  const wasConfirmed =
    state.payment !== null || ['confirmed', 'processing', 'shipped', 'delivered'].includes(state.status);
  if (wasConfirmed) {
    if (!state.payment?.paymentId)
      report({
        kind: 'order-without-charge',
        stream: order.stream,
        message: `order ${placed.order_id} confirmed without a charge`,
      });
    else if (state.payment.amount !== placed.total)
      report({
        kind: 'order-without-charge',
        stream: order.stream,
        message: `charged ${state.payment.amount} but the total is ${placed.total}`,
      });
    if (settled(order.confirmedAt)) {
      const lines = reservations.get(placed.reservation_id);
      const missing = placed.items.filter((item) => {
        const status = lines?.get(item.product_id);
        return status !== 'committed' && status !== 'returned';
      });
      if (missing.length > 0)
        report({
          kind: 'order-without-committed-reservation',
          stream: order.stream,
          message: `reservation ${placed.reservation_id} not committed for ${missing.map((i) => i.product_id).join(', ')}`,
        });
    }
  }
  if (
    state.cancellation &&
    state.cancellation.refundAmount > 0 &&
    !state.refund &&
    settled(order.cancelledAt)
  )
    report({
      kind: 'refund-missing',
      stream: order.stream,
      message: `cancellation owes ${state.cancellation.refundAmount}; no refund recorded`,
    });
}
