import { type ReservationStatus, type StockState, stockDecider } from '../../../domain/inventory/stock.ts';
import type { RecordedEvent } from '../../../infra/eventstore/port.ts';
import type { FindingSink } from './findings.ts';

const ENDS = new Set(['ReservationReleased', 'ReservationExpired', 'ReservationCommitted']);
const STATUS_AFTER: Record<string, ReservationStatus> = {
  StockReserved: 'active',
  ReservationReleased: 'released',
  ReservationExpired: 'expired',
  ReservationCommitted: 'committed',
  CommittedStockReturned: 'returned',
};

/**
 * Every reservation's status over the whole stream, handed from each state to the next: the stock state
 * itself forgets settled reservations after a window (reservation-book.ts), the audit must not.
 */
const ledgers = new WeakMap<StockState, Map<string, { status: ReservationStatus }>>();

/**
 * Invariants of one stock item, checked event by event against the state folded so far: never negative,
 * reserved <= on hand, every reservation held once and ended at most once, and the levels each event
 * declares (read models rely on them) equal to the fold's.
 */
export function checkStockEvent(before: StockState, event: RecordedEvent, report: FindingSink): StockState {
  const where = { stream: event.streamName, revision: event.revision.toString(), eventId: event.id };
  const data = event.data as { reservation_id?: string; on_hand?: number; reserved?: number };
  const ledger = ledgers.get(before) ?? new Map<string, { status: ReservationStatus }>();
  const reservation = data.reservation_id ? ledger.get(data.reservation_id) : undefined;
  if (event.type === 'StockReserved' && reservation)
    report({
      kind: 'reservation-reserved-twice',
      ...where,
      message: `${data.reservation_id} reserved again`,
    });
  if (ENDS.has(event.type)) {
    if (!reservation)
      report({
        kind: 'reservation-end-unknown',
        ...where,
        message: `${event.type} for unknown ${data.reservation_id}`,
      });
    else if (reservation.status !== 'active')
      report({
        kind: 'reservation-ended-twice',
        ...where,
        message: `${data.reservation_id} ended again by ${event.type} (already ${reservation.status})`,
      });
  }
  if (event.type === 'CommittedStockReturned' && reservation?.status !== 'committed')
    report({
      kind: 'return-without-commit',
      ...where,
      message: `${data.reservation_id} returned while ${reservation?.status ?? 'unknown'}`,
    });
  const after = stockDecider.evolve(before, { type: event.type, data: event.data } as never);
  const status = STATUS_AFTER[event.type];
  // As the fold always did: an end of an unknown reservation is not remembered.
  if (data.reservation_id && status && (reservation || status === 'active'))
    ledger.set(data.reservation_id, { status });
  ledgers.set(after, ledger);
  if (after.onHand < 0) report({ kind: 'stock-negative', ...where, message: `on hand ${after.onHand}` });
  if (after.reserved < 0)
    report({ kind: 'reserved-negative', ...where, message: `reserved ${after.reserved}` });
  if (after.reserved > after.onHand)
    report({
      kind: 'reserved-exceeds-on-hand',
      ...where,
      message: `reserved ${after.reserved} > on hand ${after.onHand}`,
    });
  if (data.on_hand !== after.onHand || data.reserved !== after.reserved)
    report({
      kind: 'levels-mismatch',
      ...where,
      message: `event says on_hand ${data.on_hand}, reserved ${data.reserved}; fold gives ${after.onHand}, ${after.reserved}`,
    });
  return after;
}
