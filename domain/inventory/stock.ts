import type { Decider } from '../shared/decider.ts';
import { unreachable } from '../shared/decider.ts';
import { DomainError, ErrorCode, invalid, notFound } from '../shared/errors.ts';
import type { ProductId, ReservationId, VariantId } from '../shared/ids.ts';
import type { StockCommand } from './commands.ts';
import { type StockEvent, upcastStockData } from './events.ts';
import {
  emptyBook,
  findReservation,
  hold,
  listReservations,
  type Reservation,
  type ReservationBook,
  type ReservationStatus,
  remember,
  settle,
} from './reservation-book.ts';
import {
  checkAdjust,
  checkDue,
  checkReceive,
  checkReserve,
  checkReturnQuantity,
  insufficientStock,
  reservationEnded,
} from './stock-rules.ts';

/**
 * StockItem: one per product, stream `stock-<productId>`.
 * Invariants: 0 <= reserved <= onHand; a reservation ends exactly once (released, expired or committed).
 * Repeating a reserve, release, expiry, commit or return that already happened decides nothing ([]), so
 * retries and duplicate timers are safe. Two deliberate refusals instead of no-ops:
 * - committing a reservation that was released or expired is BIZ_4007: its stock may already be sold to
 *   someone else, so confirming the order on it would oversell;
 * - expiring before `expiresAt` is BIZ_4006: a timer that fires early (clock skew between instances) fails
 *   and is retried, instead of being deleted as done and leaving the stock held for ever.
 */
export const stockStream = (productId: ProductId, variantId?: VariantId | null) =>
  variantId ? `stock-${productId}~${variantId}` : `stock-${productId}`;
// A variant's stock is its own stream (and its own StockItem): siblings never contend for one stream's
// revision, and "no oversell per variant" is the same invariant as before, per stream.

export type { Reservation, ReservationStatus };
export { listReservations };

// Plain records and arrays (no Map) so the state serialises as is for snapshots and the audit "state as of"
// view. `reservations` holds the active ones and a bounded window of ended ones (reservation-book.ts).
export type StockState = {
  productId: ProductId | null;
  /** Set only for a variant's stock item, so the states of product-level items keep their shape. */
  variantId?: VariantId;
  onHand: number;
  reserved: number;
  reservations: ReservationBook;
};

export const initialState = (): StockState => ({
  productId: null,
  onHand: 0,
  reserved: 0,
  reservations: emptyBook(),
});

/** The reservation's status, if this item holds it or ended it recently enough to remember (reservation-book.ts). */
export const reservationStatus = (state: StockState, id: ReservationId | string) =>
  findReservation(state.reservations, id)?.status;

export const available = (state: StockState): number => state.onHand - state.reserved;

export type StockView = { on_hand: number; reserved: number; available: number };
/** The levels as API.md shows them (`GET /inventory/{id}` and the receive/adjust responses). */
export const stockView = (state: StockState): StockView => ({
  on_hand: state.onHand,
  reserved: state.reserved,
  available: available(state),
});

export { insufficientStock };

export function decide(command: StockCommand, state: StockState): StockEvent[] {
  const product_id = command.data.productId;
  if (state.productId !== null && state.productId !== product_id)
    throw invalid('product_id', `this stock item belongs to ${state.productId}, not ${product_id}`);
  const variantId = command.data.variantId;
  if (state.productId !== null && (state.variantId ?? null) !== (variantId ?? null))
    throw invalid('variant_id', `this stock item belongs to variant ${state.variantId ?? 'none'}`);
  // Product-level stock stays v1; a variant's stock is v2, naming the variant.
  const version = variantId ? { schema_version: 2 as const, product_id, variant_id: variantId } : null;
  // Event data in schema order: version, product, the event's own fields, then the levels after it (for read models).
  const data = <T extends object>(fields: T, onHand: number, reserved: number) => ({
    ...(version ?? { schema_version: 1 as const, product_id }),
    ...fields,
    on_hand: onHand,
    reserved,
  });
  const { onHand, reserved } = state;

  switch (command.type) {
    case 'ReceiveStock': {
      checkReceive(command);
      const { quantity } = command.data;
      return [{ type: 'StockReceived', data: data({ quantity }, onHand + quantity, reserved) }];
    }
    case 'AdjustStock': {
      const reason = checkAdjust(command);
      const { quantity } = command.data;
      if (onHand + quantity < reserved) throw insufficientStock(product_id, available(state));
      return [{ type: 'StockAdjusted', data: data({ quantity, reason }, onHand + quantity, reserved) }];
    }
    case 'ReserveStock': {
      checkReserve(command);
      const { reservationId: reservation_id, quantity, expiresAt: expires_at } = command.data;
      const existing = findReservation(state.reservations, reservation_id);
      if (existing) {
        // The same request again (a retry) is a no-op; the same id for a different amount is a caller bug.
        if (existing.quantity !== quantity)
          throw new DomainError(
            ErrorCode.AlreadyExists,
            `Reservation ${reservation_id} already exists for ${existing.quantity} units`,
            [{ field: 'quantity', message: `reservation holds ${existing.quantity}` }],
          );
        // An ended reservation is never revived: its id is spent.
        if (existing.status !== 'active') throw reservationEnded(reservation_id, existing.status);
        return [];
      }
      if (available(state) < quantity) throw insufficientStock(product_id, available(state));
      return [
        {
          type: 'StockReserved',
          data: data({ reservation_id, quantity, expires_at }, onHand, reserved + quantity),
        },
      ];
    }
    case 'ReleaseReservation': {
      const { reservationId: reservation_id } = command.data;
      const { status, quantity } = find(state, reservation_id);
      if (status !== 'active') return [];
      return [
        {
          type: 'ReservationReleased',
          data: data({ reservation_id, quantity }, onHand, reserved - quantity),
        },
      ];
    }
    case 'ExpireReservation': {
      const { reservationId: reservation_id, now } = command.data;
      const { status, quantity, expiresAt: expires_at } = find(state, reservation_id);
      if (status !== 'active') return [];
      checkDue(reservation_id, expires_at, now);
      return [
        {
          type: 'ReservationExpired',
          data: data({ reservation_id, quantity, expires_at }, onHand, reserved - quantity),
        },
      ];
    }
    case 'CommitReservation': {
      const { reservationId: reservation_id } = command.data;
      const { status, quantity } = find(state, reservation_id);
      if (status === 'committed' || status === 'returned') return [];
      // No clock check: whoever charged the payment checked the expiry first, and a paid sale must complete.
      if (status !== 'active') throw reservationEnded(reservation_id, status);
      return [
        {
          type: 'ReservationCommitted',
          data: data({ reservation_id, quantity }, onHand - quantity, reserved - quantity),
        },
      ];
    }
    case 'ReturnCommittedStock': {
      const { reservationId: reservation_id } = command.data;
      const known = findReservation(state.reservations, reservation_id);
      // Committed longer ago than the settled window keeps: the caller (a paid order's cancellation) vouches
      // for the commit and names the quantity it bought.
      const forgotten = !known && command.data.quantity !== undefined;
      if (forgotten) checkReturnQuantity(command.data.quantity!);
      const { status, quantity } = forgotten
        ? { status: 'committed' as const, quantity: command.data.quantity! }
        : find(state, reservation_id);
      if (status === 'returned') return [];
      if (status !== 'committed')
        throw new DomainError(
          ErrorCode.IllegalStateTransition,
          `Cannot return stock of reservation ${reservation_id} in status ${status}`,
        );
      return [
        {
          type: 'CommittedStockReturned',
          data: data({ reservation_id, quantity }, onHand + quantity, reserved),
        },
      ];
    }
    default:
      return unreachable(command);
  }
}

/** Folds one event. Levels are recomputed from quantities (the levels in the data are for read models). */
export function evolve(state: StockState, event: StockEvent): StockState {
  const variantId = upcastStockData(event.data).variant_id;
  const next = { ...state, productId: event.data.product_id, ...(variantId ? { variantId } : {}) };
  switch (event.type) {
    case 'StockReceived':
    case 'StockAdjusted':
      return { ...next, onHand: state.onHand + event.data.quantity };
    case 'StockReserved': {
      const { reservation_id, quantity, expires_at } = event.data;
      return {
        ...next,
        reserved: state.reserved + quantity,
        reservations: hold(state.reservations, reservation_id, {
          quantity,
          expiresAt: expires_at,
          status: 'active',
        }),
      };
    }
    case 'ReservationReleased':
      return end(next, event.data.reservation_id, 'released', event.data.quantity, 0);
    case 'ReservationExpired':
      return end(next, event.data.reservation_id, 'expired', event.data.quantity, 0);
    case 'ReservationCommitted':
      return end(next, event.data.reservation_id, 'committed', event.data.quantity, event.data.quantity);
    case 'CommittedStockReturned':
      return end(next, event.data.reservation_id, 'returned', 0, -event.data.quantity);
    default:
      return unreachable(event);
  }
}

export const stockDecider: Decider<StockCommand, StockEvent, StockState> = { decide, evolve, initialState };

/** A reservation changes status; `released` units leave reserved, `leaving` units leave on hand (negative: come back). */
function end(
  state: StockState,
  id: string,
  status: ReservationStatus,
  released: number,
  leaving: number,
): StockState {
  const levels = { ...state, reserved: state.reserved - released, onHand: state.onHand - leaving };
  const reservations = findReservation(state.reservations, id)
    ? settle(state.reservations, id, status)
    : // A return of a commit the window forgot is remembered from now on; any other end for an unknown
      // reservation (impossible from decide) changes only the levels: evolve never throws.
      status === 'returned'
      ? remember(state.reservations, id, { quantity: -leaving, expiresAt: '', status })
      : state.reservations;
  return { ...levels, reservations };
}

function find(state: StockState, id: ReservationId): Reservation {
  const reservation = findReservation(state.reservations, id);
  if (!reservation) throw notFound('Reservation', id);
  return reservation;
}
