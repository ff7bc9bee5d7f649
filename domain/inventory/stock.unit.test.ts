import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../shared/errors.ts';
import { given } from '../shared/given.ts';
import { makeId, type ReservationId } from '../shared/ids.ts';
import type { StockCommand } from './commands.ts';
import { inventoryEventSchemas, type StockEvent } from './events.ts';
import {
  available,
  listReservations,
  reservationStatus,
  stockDecider,
  stockStream,
  stockView,
} from './stock.ts';

const productId = makeId('product', 'kbd');
const rsv = (n: number): ReservationId => makeId('reservation', String(n));
const T0 = '2026-01-15T10:00:00Z';
const T_EXP = '2026-01-15T10:10:00Z';
const T_LATE = '2026-01-15T10:10:00.001Z';

// Events
const received = (quantity: number, on_hand: number, reserved = 0): StockEvent => ({
  type: 'StockReceived',
  data: { schema_version: 1, product_id: productId, quantity, on_hand, reserved },
});
const adjusted = (quantity: number, reason: string, on_hand: number, reserved = 0): StockEvent => ({
  type: 'StockAdjusted',
  data: { schema_version: 1, product_id: productId, quantity, reason, on_hand, reserved },
});
const reserved = (id: number, quantity: number, on_hand: number, reservedAfter: number): StockEvent => ({
  type: 'StockReserved',
  data: {
    schema_version: 1,
    product_id: productId,
    reservation_id: rsv(id),
    quantity,
    expires_at: T_EXP,
    on_hand,
    reserved: reservedAfter,
  },
});
const ended =
  (type: 'ReservationReleased' | 'ReservationCommitted' | 'CommittedStockReturned') =>
  (id: number, quantity: number, on_hand: number, reservedAfter: number): StockEvent => ({
    type,
    data: {
      schema_version: 1,
      product_id: productId,
      reservation_id: rsv(id),
      quantity,
      on_hand,
      reserved: reservedAfter,
    },
  });
const released = ended('ReservationReleased');
const committed = ended('ReservationCommitted');
const returned = ended('CommittedStockReturned');
const expired = (id: number, quantity: number, on_hand: number, reservedAfter: number): StockEvent => ({
  type: 'ReservationExpired',
  data: {
    schema_version: 1,
    product_id: productId,
    reservation_id: rsv(id),
    quantity,
    expires_at: T_EXP,
    on_hand,
    reserved: reservedAfter,
  },
});

// Commands
const receive = (quantity: number): StockCommand => ({ type: 'ReceiveStock', data: { productId, quantity } });
const adjust = (quantity: number, reason = 'cycle count'): StockCommand => ({
  type: 'AdjustStock',
  data: { productId, quantity, reason },
});
const reserve = (id: number, quantity: number, expiresAt = T_EXP, now = T0): StockCommand => ({
  type: 'ReserveStock',
  data: { productId, reservationId: rsv(id), quantity, expiresAt, now },
});
const release = (id: number): StockCommand => ({
  type: 'ReleaseReservation',
  data: { productId, reservationId: rsv(id) },
});
const expire = (id: number, now = T_EXP): StockCommand => ({
  type: 'ExpireReservation',
  data: { productId, reservationId: rsv(id), now },
});
const commit = (id: number): StockCommand => ({
  type: 'CommitReservation',
  data: { productId, reservationId: rsv(id) },
});
const giveBack = (id: number): StockCommand => ({
  type: 'ReturnCommittedStock',
  data: { productId, reservationId: rsv(id) },
});

const stock = given(stockDecider);

describe('StockItem', () => {
  it('lives in the stream stock-<productId>', () => {
    expect(stockStream(productId)).toBe('stock-prd_kbd');
  });

  describe('ReceiveStock', () => {
    it('adds to on hand', () => {
      stock(received(5, 5), reserved(1, 2, 5, 2))
        .when(receive(10))
        .thenEvents([received(10, 15, 2)]);
    });
    it('accepts the bounds 1 and 1,000,000', () => {
      stock()
        .when(receive(1))
        .thenEvents([received(1, 1)]);
      stock()
        .when(receive(1_000_000))
        .thenEvents([received(1_000_000, 1_000_000)]);
    });
    it.each([0, -1, 1_000_001, 2.5, Number.NaN])('refuses quantity %s', (quantity) => {
      stock().when(receive(quantity)).thenThrows(ErrorCode.InvalidQuantity);
    });
    it('refuses a command for another product', () => {
      stock(received(5, 5))
        .when({ type: 'ReceiveStock', data: { productId: makeId('product', 'other'), quantity: 1 } })
        .thenThrows(ErrorCode.ValidationFailed);
    });
  });

  describe('AdjustStock', () => {
    it('corrects on hand up or down, with the trimmed reason', () => {
      stock(received(10, 10))
        .when(adjust(-3, '  broken  '))
        .thenEvents([adjusted(-3, 'broken', 7)]);
      stock(received(10, 10))
        .when(adjust(4))
        .thenEvents([adjusted(4, 'cycle count', 14)]);
    });
    it('may go down to exactly what is reserved', () => {
      stock(received(10, 10), reserved(1, 4, 10, 4))
        .when(adjust(-6))
        .thenEvents([adjusted(-6, 'cycle count', 4, 4)]);
    });
    it('refuses to go below what is reserved, saying how much is available', () => {
      const error = stock(received(10, 10), reserved(1, 4, 10, 4))
        .when(adjust(-7))
        .thenThrows(ErrorCode.InsufficientStock);
      expect(error.details).toEqual([{ field: 'quantity', message: 'only 6 available' }]);
    });
    it('refuses to take on hand below zero', () => {
      stock().when(adjust(-1)).thenThrows(ErrorCode.InsufficientStock);
    });
    it.each([0, 1.5, 1_000_001, -1_000_001])('refuses quantity %s', (quantity) => {
      stock(received(10, 10)).when(adjust(quantity)).thenThrows(ErrorCode.InvalidQuantity);
    });
    it('requires a reason', () => {
      stock(received(10, 10)).when(adjust(1, '   ')).thenThrows(ErrorCode.RequiredFieldMissing);
    });
    it('refuses a reason over 500 characters', () => {
      stock(received(10, 10))
        .when(adjust(1, 'x'.repeat(501)))
        .thenThrows(ErrorCode.ValidationFailed);
    });
  });

  describe('ReserveStock', () => {
    it('holds stock until the expiry without touching on hand', () => {
      stock(received(5, 5))
        .when(reserve(1, 3))
        .thenEvents([reserved(1, 3, 5, 3)]);
    });
    it('may hold everything available', () => {
      stock(received(5, 5), reserved(1, 3, 5, 3))
        .when(reserve(2, 2))
        .thenEvents([reserved(2, 2, 5, 5)]);
    });
    it('refuses more than is available, saying how much is', () => {
      const error = stock(received(5, 5), reserved(1, 3, 5, 3))
        .when(reserve(2, 3))
        .thenThrows(ErrorCode.InsufficientStock);
      expect(error.details).toEqual([{ field: 'quantity', message: 'only 2 available' }]);
      expect(error.message).toBe('Insufficient stock for prd_kbd');
    });
    it('refuses on a product never received', () => {
      stock().when(reserve(1, 1)).thenThrows(ErrorCode.InsufficientStock);
    });
    it('is a no-op when the same reservation is asked again (a retry)', () => {
      stock(received(5, 5), reserved(1, 3, 5, 3))
        .when(reserve(1, 3))
        .thenEvents([]);
    });
    it('refuses the same reservation id with a different quantity', () => {
      stock(received(5, 5), reserved(1, 3, 5, 3))
        .when(reserve(1, 2))
        .thenThrows(ErrorCode.AlreadyExists);
    });
    it('never revives an ended reservation id', () => {
      stock(received(5, 5), reserved(1, 3, 5, 3), released(1, 3, 5, 0))
        .when(reserve(1, 3))
        .thenThrows(ErrorCode.ReservationExpired);
    });
    it.each([0, -2, 1.5])('refuses quantity %s', (quantity) => {
      stock(received(5, 5)).when(reserve(1, quantity)).thenThrows(ErrorCode.InvalidQuantity);
    });
    it('refuses an expiry that is not after now', () => {
      stock(received(5, 5))
        .when(reserve(1, 1, T0, T0))
        .thenThrows(ErrorCode.ValidationFailed);
    });
    it('refuses times that are not ISO date-times with a zone', () => {
      stock(received(5, 5))
        .when(reserve(1, 1, '2026-01-15 10:10'))
        .thenThrows(ErrorCode.ValidationFailed);
      stock(received(5, 5))
        .when(reserve(1, 1, T_EXP, 'yesterday'))
        .thenThrows(ErrorCode.ValidationFailed);
    });
  });

  describe('ReleaseReservation', () => {
    it('gives the held stock back', () => {
      stock(received(5, 5), reserved(1, 3, 5, 3))
        .when(release(1))
        .thenEvents([released(1, 3, 5, 0)]);
    });
    it.each([
      ['released', released(1, 3, 5, 0)],
      ['expired', expired(1, 3, 5, 0)],
      ['committed', committed(1, 3, 2, 0)],
    ])('is a no-op once the reservation %s', (_, end) => {
      stock(received(5, 5), reserved(1, 3, 5, 3), end)
        .when(release(1))
        .thenEvents([]);
    });
    it('refuses an unknown reservation', () => {
      stock(received(5, 5)).when(release(9)).thenThrows(ErrorCode.NotFound);
    });
  });

  describe('ExpireReservation', () => {
    it('gives the held stock back at or after its expiry', () => {
      stock(received(5, 5), reserved(1, 3, 5, 3))
        .when(expire(1))
        .thenEvents([expired(1, 3, 5, 0)]);
      stock(received(5, 5), reserved(1, 3, 5, 3))
        .when(expire(1, T_LATE))
        .thenEvents([expired(1, 3, 5, 0)]);
    });
    it('compares instants, not strings (an offset time after the expiry)', () => {
      stock(received(5, 5), reserved(1, 3, 5, 3))
        .when(expire(1, '2026-01-15T11:10:00+01:00'))
        .thenEvents([expired(1, 3, 5, 0)]);
    });
    it('refuses before the expiry, so an early timer retries instead of being lost', () => {
      stock(received(5, 5), reserved(1, 3, 5, 3))
        .when(expire(1, '2026-01-15T10:09:59.999Z'))
        .thenThrows(ErrorCode.IllegalStateTransition);
    });
    it.each([
      ['released', released(1, 3, 5, 0)],
      ['expired', expired(1, 3, 5, 0)],
      ['committed', committed(1, 3, 2, 0)],
    ])('is a no-op once the reservation %s', (_, end) => {
      stock(received(5, 5), reserved(1, 3, 5, 3), end)
        .when(expire(1))
        .thenEvents([]);
    });
    it('is a no-op for an ended reservation even before its expiry', () => {
      stock(received(5, 5), reserved(1, 3, 5, 3), released(1, 3, 5, 0))
        .when(expire(1, T0))
        .thenEvents([]);
    });
    it('refuses an unknown reservation', () => {
      stock(received(5, 5)).when(expire(9)).thenThrows(ErrorCode.NotFound);
    });
    it('refuses a malformed now', () => {
      stock(received(5, 5), reserved(1, 3, 5, 3))
        .when(expire(1, 'soon'))
        .thenThrows(ErrorCode.ValidationFailed);
    });
  });

  describe('CommitReservation', () => {
    it('takes the held stock out of on hand and reserved', () => {
      stock(received(5, 5), reserved(1, 3, 5, 3), reserved(2, 1, 5, 4))
        .when(commit(1))
        .thenEvents([committed(1, 3, 2, 1)]);
    });
    it('is a no-op when already committed (a retry)', () => {
      stock(received(5, 5), reserved(1, 3, 5, 3), committed(1, 3, 2, 0))
        .when(commit(1))
        .thenEvents([]);
      stock(received(5, 5), reserved(1, 3, 5, 3), committed(1, 3, 2, 0), returned(1, 3, 5, 0))
        .when(commit(1))
        .thenEvents([]);
    });
    it.each([
      ['released', released(1, 3, 5, 0)],
      ['expired', expired(1, 3, 5, 0)],
    ])('refuses a reservation that %s (its stock may be sold to someone else)', (_, end) => {
      stock(received(5, 5), reserved(1, 3, 5, 3), end)
        .when(commit(1))
        .thenThrows(ErrorCode.ReservationExpired);
    });
    it('refuses an unknown reservation', () => {
      stock(received(5, 5)).when(commit(9)).thenThrows(ErrorCode.NotFound);
    });
  });

  describe('ReturnCommittedStock', () => {
    it('puts committed stock back on hand', () => {
      stock(received(5, 5), reserved(1, 3, 5, 3), committed(1, 3, 2, 0))
        .when(giveBack(1))
        .thenEvents([returned(1, 3, 5, 0)]);
    });
    it('is a no-op the second time', () => {
      stock(received(5, 5), reserved(1, 3, 5, 3), committed(1, 3, 2, 0), returned(1, 3, 5, 0))
        .when(giveBack(1))
        .thenEvents([]);
    });
    it.each([
      ['active', []],
      ['released', [released(1, 3, 5, 0)]],
      ['expired', [expired(1, 3, 5, 0)]],
    ])('refuses a reservation that is %s', (_, after) => {
      stock(received(5, 5), reserved(1, 3, 5, 3), ...after)
        .when(giveBack(1))
        .thenThrows(ErrorCode.IllegalStateTransition);
    });
    it('refuses an unknown reservation', () => {
      stock(received(5, 5)).when(giveBack(9)).thenThrows(ErrorCode.NotFound);
    });
  });

  describe('state and view', () => {
    it('folds levels and reservation statuses', () => {
      const state = stock(
        received(10, 10),
        reserved(1, 3, 10, 3),
        reserved(2, 2, 10, 5),
        committed(1, 3, 7, 2),
        adjusted(-1, 'lost', 6, 2),
      ).state();
      expect(stockView(state)).toEqual({ on_hand: 6, reserved: 2, available: 4 });
      expect(available(state)).toBe(4);
      expect(reservationStatus(state, rsv(1))).toBe('committed');
      expect(listReservations(state.reservations)[rsv(2)]).toEqual({
        quantity: 2,
        expiresAt: T_EXP,
        status: 'active',
      });
    });
    it('every event built here satisfies its schema', () => {
      const all = [
        received(1, 1),
        adjusted(-1, 'x', 0),
        reserved(1, 1, 1, 1),
        released(1, 1, 1, 0),
        expired(1, 1, 1, 0),
        committed(1, 1, 0, 0),
        returned(1, 1, 1, 0),
      ];
      for (const event of all)
        expect(() => inventoryEventSchemas[event.type].parse(event.data)).not.toThrow();
      expect(new Set(all.map((e) => e.type))).toEqual(new Set(Object.keys(inventoryEventSchemas)));
    });
  });
});
