import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../shared/errors.ts';
import { given } from '../shared/given.ts';
import type { OrderId, ReservationId, UserId } from '../shared/ids.ts';
import { type CheckoutCommand, checkoutDecider, hasLapsed } from './checkout.ts';
import type { CheckoutEvent, CheckoutLine } from './events.ts';
import { checkoutEventSchemas } from './events.ts';

const rsv = 'rsv_1' as ReservationId;
const owner = 'usr_owner' as UserId;
const stranger = 'usr_other' as UserId;
const now = '2026-01-15T10:00:00.000Z';
const later = '2026-01-15T10:05:00.000Z';
const expiresAt = '2026-01-15T10:10:00.000Z';
const afterExpiry = '2026-01-15T10:10:00.000Z';
const line: CheckoutLine = {
  product_id: 'prd_a',
  product_name: 'Lamp',
  unit_price: 4550,
  currency: 'USD',
  quantity: 2,
} as CheckoutLine;
const base = { schema_version: 1 as const, reservation_id: rsv };

const started: CheckoutEvent = {
  type: 'CheckoutStarted',
  data: { ...base, user_id: owner, items: [line], expires_at: expiresAt, started_at: now },
};
const reserved: CheckoutEvent = { type: 'CheckoutStockReserved', data: { ...base, reserved_at: now } };
const attached = (orderId: string): CheckoutEvent => ({
  type: 'CheckoutOrderAttached',
  data: { ...base, order_id: orderId as OrderId, attached_at: later },
});
const detached = (orderId: string): CheckoutEvent => ({
  type: 'CheckoutOrderDetached',
  data: { ...base, order_id: orderId as OrderId, reason: 'payment declined', detached_at: later },
});
const cmd = (command: CheckoutCommand) => command;
const attach = (orderId: string, userId = owner, at = later) =>
  cmd({ type: 'AttachOrder', data: { reservationId: rsv, orderId: orderId as OrderId, userId, now: at } });
const checkout = given(checkoutDecider);

describe('checkout record', () => {
  it('starts once; a repeat decides nothing', () => {
    const start = cmd({
      type: 'StartCheckout',
      data: { reservationId: rsv, userId: owner, items: [line], expiresAt, now },
    });
    checkout().when(start).thenEvents([started]);
    checkout(started).when(start).thenEvents([]);
  });

  it('is unknown before it started', () => {
    checkout().when(attach('ord_1')).thenThrows(ErrorCode.NotFound);
  });

  it('takes an order only when every line is held, and only for its owner', () => {
    checkout(started).when(attach('ord_1')).thenThrows(ErrorCode.IllegalStateTransition);
    checkout(started, reserved).when(attach('ord_1', stranger)).thenThrows(ErrorCode.NotFound);
    checkout(started, reserved)
      .when(attach('ord_1'))
      .thenEvents([attached('ord_1')]);
    checkout(started, reserved, attached('ord_1')).when(attach('ord_1')).thenEvents([]);
  });

  it('refuses a second order while the first may still be paid, and once it lapsed', () => {
    checkout(started, reserved, attached('ord_1'))
      .when(attach('ord_2'))
      .thenThrows(ErrorCode.CheckoutInProgress);
    checkout(started, reserved, attached('ord_1'), detached('ord_1'))
      .when(attach('ord_2'))
      .thenEvents([attached('ord_2')]);
    checkout(started, reserved)
      .when(attach('ord_1', owner, afterExpiry))
      .thenThrows(ErrorCode.ReservationExpired);
  });

  it('a released or failed reservation has ended (410)', () => {
    const released: CheckoutEvent = {
      type: 'CheckoutReleased',
      data: { ...base, released_by: owner, released_at: later },
    };
    const failed: CheckoutEvent = {
      type: 'CheckoutReservationFailed',
      data: { ...base, short: [], failed_at: now },
    };
    checkout(started, reserved, released).when(attach('ord_1')).thenThrows(ErrorCode.ReservationExpired);
    checkout(started, failed).when(attach('ord_1')).thenThrows(ErrorCode.ReservationExpired);
  });

  it('is released by its owner only, never under an order', () => {
    const release = (userId: UserId) =>
      cmd({ type: 'ReleaseCheckout', data: { reservationId: rsv, userId, now: later } });
    checkout(started, reserved).when(release(stranger)).thenThrows(ErrorCode.NotFound);
    checkout(started, reserved)
      .when(release(owner))
      .thenEvents([{ type: 'CheckoutReleased', data: { ...base, released_by: owner, released_at: later } }]);
    checkout(started, reserved, attached('ord_1'))
      .when(release(owner))
      .thenThrows(ErrorCode.IllegalStateTransition);
  });

  it('detaches only the order it holds, and completes once for it', () => {
    const detach = (orderId: string) =>
      cmd({
        type: 'DetachOrder',
        data: { reservationId: rsv, orderId: orderId as OrderId, reason: 'payment declined', now: later },
      });
    const complete = (orderId: string) =>
      cmd({
        type: 'CompleteCheckout',
        data: { reservationId: rsv, orderId: orderId as OrderId, now: later },
      });
    checkout(started, reserved, attached('ord_1')).when(detach('ord_2')).thenEvents([]);
    checkout(started, reserved, attached('ord_1'))
      .when(detach('ord_1'))
      .thenEvents([detached('ord_1')]);
    checkout(started, reserved, attached('ord_1'))
      .when(complete('ord_2'))
      .thenThrows(ErrorCode.IllegalStateTransition);
    const completed: CheckoutEvent = {
      type: 'CheckoutCompleted',
      data: { ...base, order_id: 'ord_1' as OrderId, completed_at: later },
    };
    checkout(started, reserved, attached('ord_1')).when(complete('ord_1')).thenEvents([completed]);
    checkout(started, reserved, attached('ord_1'), completed).when(complete('ord_1')).thenEvents([]);
  });

  it('lapses at its expiry', () => {
    const state = checkout(started, reserved).state();
    expect(hasLapsed(state, later)).toBe(false);
    expect(hasLapsed(state, afterExpiry)).toBe(true);
  });

  it('every event it decides matches its schema', () => {
    for (const event of [started, reserved, attached('ord_1'), detached('ord_1')])
      expect(() => checkoutEventSchemas[event.type].parse(event.data)).not.toThrow();
  });
});
