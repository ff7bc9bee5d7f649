import type { Decider } from '../shared/decider.ts';
import { unreachable } from '../shared/decider.ts';
import { DomainError, ErrorCode, invalid, notFound } from '../shared/errors.ts';
import type { ProductId, ReservationId } from '../shared/ids.ts';
import {
  type AdjustStock,
  MAX_ADJUST_QUANTITY,
  MAX_REASON_LENGTH,
  MAX_RECEIVE_QUANTITY,
  type ReceiveStock,
  type ReserveStock,
  type StockCommand,
} from './commands.ts';
import type { StockEvent } from './events.ts';
import { instantMs } from './instant.ts';

/**
 * StockItem: one per product, stream `stock-<productId>`.
 * Invariants: 0 <= reserved <= onHand; a reservation ends exactly once (released, expired or committed);
 * repeating a reserve, release, expiry or commit that already happened decides nothing ([]), so retries are safe.
 */
export const stockStream = (productId: ProductId) => `stock-${productId}`;

/** `active` holds stock; every other status is an end. `returned` follows `committed` when a paid order is cancelled. */
export type ReservationStatus = 'active' | 'released' | 'expired' | 'committed' | 'returned';
export type Reservation = { quantity: number; expiresAt: string; status: ReservationStatus };

// A plain record (not a Map) so the state serialises as is for snapshots and the audit "state as of" view.
export type StockState = {
  productId: ProductId | null;
  onHand: number;
  reserved: number;
  reservations: Readonly<Record<string, Reservation>>;
};

export const initialState = (): StockState => ({ productId: null, onHand: 0, reserved: 0, reservations: {} });

export const available = (state: StockState): number => state.onHand - state.reserved;

export type StockView = { on_hand: number; reserved: number; available: number };
/** The levels as API.md shows them (`GET /inventory/{id}` and the receive/adjust responses). */
export const stockView = (state: StockState): StockView => ({
  on_hand: state.onHand,
  reserved: state.reserved,
  available: available(state),
});

export const insufficientStock = (productId: ProductId, availableNow: number) =>
  new DomainError(ErrorCode.InsufficientStock, `Insufficient stock for ${productId}`, [
    { field: 'quantity', message: `only ${availableNow} available` },
  ]);

const invalidQuantity = (message: string) =>
  new DomainError(ErrorCode.InvalidQuantity, `Invalid quantity: ${message}`, [
    { field: 'quantity', message },
  ]);

/** A reservation that has ended cannot be used again (API.md: 410 BIZ_4007). */
const reservationEnded = (id: ReservationId, status: ReservationStatus) =>
  new DomainError(ErrorCode.ReservationExpired, `Reservation ${id} has ended (${status})`);

export function decide(command: StockCommand, state: StockState): StockEvent[] {
  const productId = command.data.productId;
  if (state.productId !== null && state.productId !== productId)
    throw invalid('product_id', `this stock item belongs to ${state.productId}, not ${productId}`);
  const levels = (onHand: number, reserved: number) => ({ on_hand: onHand, reserved });

  switch (command.type) {
    case 'ReceiveStock': {
      const { quantity } = command.data;
      checkReceive(command);
      return [
        {
          type: 'StockReceived',
          data: {
            schema_version: 1,
            product_id: productId,
            quantity,
            ...levels(state.onHand + quantity, state.reserved),
          },
        },
      ];
    }
    case 'AdjustStock': {
      const { quantity, reason } = command.data;
      checkAdjust(command);
      if (state.onHand + quantity < state.reserved) throw insufficientStock(productId, available(state));
      return [
        {
          type: 'StockAdjusted',
          data: {
            schema_version: 1,
            product_id: productId,
            quantity,
            reason: reason.trim(),
            ...levels(state.onHand + quantity, state.reserved),
          },
        },
      ];
    }
    case 'ReserveStock': {
      const { reservationId, quantity, expiresAt } = command.data;
      checkReserve(command);
      const existing = state.reservations[reservationId];
      if (existing) {
        // The same request again (a retry) is a no-op; the same id for a different amount is a caller bug.
        if (existing.quantity !== quantity)
          throw new DomainError(
            ErrorCode.AlreadyExists,
            `Reservation ${reservationId} already exists for ${existing.quantity} units`,
            [{ field: 'quantity', message: `reservation holds ${existing.quantity}` }],
          );
        // An ended reservation is never revived: its id is spent.
        if (existing.status !== 'active') throw reservationEnded(reservationId, existing.status);
        return [];
      }
      if (available(state) < quantity) throw insufficientStock(productId, available(state));
      return [
        {
          type: 'StockReserved',
          data: {
            schema_version: 1,
            product_id: productId,
            reservation_id: reservationId,
            quantity,
            expires_at: expiresAt,
            ...levels(state.onHand, state.reserved + quantity),
          },
        },
      ];
    }
    case 'ReleaseReservation': {
      const { reservationId } = command.data;
      const reservation = find(state, reservationId);
      if (reservation.status !== 'active') return [];
      return [
        {
          type: 'ReservationReleased',
          data: {
            schema_version: 1,
            product_id: productId,
            reservation_id: reservationId,
            quantity: reservation.quantity,
            ...levels(state.onHand, state.reserved - reservation.quantity),
          },
        },
      ];
    }
    case 'ExpireReservation': {
      const { reservationId, now } = command.data;
      const reservation = find(state, reservationId);
      if (reservation.status !== 'active') return [];
      // Early is refused, not ignored: a timer that fires early (clock skew between instances) then fails
      // and is retried, instead of being deleted and leaving the stock held for ever.
      if (instantMs(now, 'now') < instantMs(reservation.expiresAt, 'expires_at'))
        throw new DomainError(
          ErrorCode.IllegalStateTransition,
          `Cannot expire reservation ${reservationId} before ${reservation.expiresAt}`,
        );
      return [
        {
          type: 'ReservationExpired',
          data: {
            schema_version: 1,
            product_id: productId,
            reservation_id: reservationId,
            quantity: reservation.quantity,
            expires_at: reservation.expiresAt,
            ...levels(state.onHand, state.reserved - reservation.quantity),
          },
        },
      ];
    }
    case 'CommitReservation': {
      const { reservationId } = command.data;
      const reservation = find(state, reservationId);
      if (reservation.status === 'committed' || reservation.status === 'returned') return [];
      // Not a silent no-op: confirming an order on a reservation that already gave its stock back would oversell.
      // No clock check here: whoever charged the payment checked the expiry first, and a paid sale must complete.
      if (reservation.status !== 'active') throw reservationEnded(reservationId, reservation.status);
      return [
        {
          type: 'ReservationCommitted',
          data: {
            schema_version: 1,
            product_id: productId,
            reservation_id: reservationId,
            quantity: reservation.quantity,
            ...levels(state.onHand - reservation.quantity, state.reserved - reservation.quantity),
          },
        },
      ];
    }
    case 'ReturnCommittedStock': {
      const { reservationId } = command.data;
      const reservation = find(state, reservationId);
      if (reservation.status === 'returned') return [];
      if (reservation.status !== 'committed')
        throw new DomainError(
          ErrorCode.IllegalStateTransition,
          `Cannot return stock of reservation ${reservationId} in status ${reservation.status}`,
        );
      return [
        {
          type: 'CommittedStockReturned',
          data: {
            schema_version: 1,
            product_id: productId,
            reservation_id: reservationId,
            quantity: reservation.quantity,
            ...levels(state.onHand + reservation.quantity, state.reserved),
          },
        },
      ];
    }
    default:
      return unreachable(command);
  }
}

/** Folds one event. Levels are recomputed from quantities (the levels in the data are for read models). */
export function evolve(state: StockState, event: StockEvent): StockState {
  const next = { ...state, productId: event.data.product_id };
  switch (event.type) {
    case 'StockReceived':
      return { ...next, onHand: state.onHand + event.data.quantity };
    case 'StockAdjusted':
      return { ...next, onHand: state.onHand + event.data.quantity };
    case 'StockReserved': {
      const { reservation_id, quantity, expires_at } = event.data;
      return {
        ...next,
        reserved: state.reserved + quantity,
        reservations: {
          ...state.reservations,
          [reservation_id]: { quantity, expiresAt: expires_at, status: 'active' },
        },
      };
    }
    case 'ReservationReleased':
      return end(next, event.data.reservation_id, 'released', event.data.quantity, 0);
    case 'ReservationExpired':
      return end(next, event.data.reservation_id, 'expired', event.data.quantity, 0);
    case 'ReservationCommitted':
      return end(next, event.data.reservation_id, 'committed', event.data.quantity, event.data.quantity);
    case 'CommittedStockReturned':
      return withStatus(
        { ...next, onHand: state.onHand + event.data.quantity },
        event.data.reservation_id,
        'returned',
      );
    default:
      return unreachable(event);
  }
}

export const stockDecider: Decider<StockCommand, StockEvent, StockState> = { decide, evolve, initialState };

function end(
  state: StockState,
  id: string,
  status: ReservationStatus,
  released: number,
  leaves: number,
): StockState {
  return withStatus(
    { ...state, reserved: state.reserved - released, onHand: state.onHand - leaves },
    id,
    status,
  );
}

function withStatus(state: StockState, id: string, status: ReservationStatus): StockState {
  const reservation = state.reservations[id];
  // evolve never throws: an end for an unknown reservation (impossible from decide) changes only the levels.
  if (!reservation) return state;
  return { ...state, reservations: { ...state.reservations, [id]: { ...reservation, status } } };
}

function find(state: StockState, id: ReservationId): Reservation {
  const reservation = state.reservations[id];
  if (!reservation) throw notFound('Reservation', id);
  return reservation;
}

function checkReceive({ data: { quantity } }: ReceiveStock) {
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_RECEIVE_QUANTITY)
    throw invalidQuantity(`must be a whole number from 1 to ${MAX_RECEIVE_QUANTITY}`);
}

function checkAdjust({ data: { quantity, reason } }: AdjustStock) {
  if (!Number.isInteger(quantity) || quantity === 0 || Math.abs(quantity) > MAX_ADJUST_QUANTITY)
    throw invalidQuantity(`must be a non-zero whole number within ±${MAX_ADJUST_QUANTITY}`);
  if (reason.trim() === '')
    throw new DomainError(ErrorCode.RequiredFieldMissing, 'A reason is required', [
      { field: 'reason', message: 'required' },
    ]);
  if (reason.trim().length > MAX_REASON_LENGTH)
    throw invalid('reason', `at most ${MAX_REASON_LENGTH} characters`);
}

function checkReserve({ data: { quantity, expiresAt, now } }: ReserveStock) {
  if (!Number.isInteger(quantity) || quantity < 1)
    throw invalidQuantity('must be a whole number of at least 1');
  if (instantMs(expiresAt, 'expires_at') <= instantMs(now, 'now'))
    throw invalid('expires_at', 'must be after now');
}
