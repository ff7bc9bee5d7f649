import { describe, expect, it } from 'vitest';
import type { CartProduct } from '../cart/commands.ts';
import { ErrorCode } from '../shared/errors.ts';
import { given } from '../shared/given.ts';
import type { OrderId, ReservationId, UserId } from '../shared/ids.ts';
import { type CheckoutCommand, checkoutDecider, couponsClaimedBy } from './checkout.ts';
import { type CheckoutEvent, type CheckoutLine, checkoutEventSchemas } from './events.ts';
import { checkReservedLines } from './line-check.ts';
import { PAYMENT_ATTEMPT_MS } from './order-attempt.ts';

const rsv = 'rsv_1' as ReservationId;
const owner = 'usr_owner' as UserId;
const t0 = '2026-01-15T10:00:00.000Z';
const t1 = '2026-01-15T10:00:05.000Z';
const afterAttempt = new Date(Date.parse(t0) + PAYMENT_ATTEMPT_MS).toISOString();
const expiresAt = '2026-01-15T10:10:00.000Z';
const base = { schema_version: 1 as const, reservation_id: rsv };
const line = {
  product_id: 'prd_a',
  product_name: 'Lamp',
  unit_price: 1000,
  currency: 'USD',
  quantity: 2,
} as CheckoutLine;

const started: CheckoutEvent = {
  type: 'CheckoutStarted',
  data: { ...base, user_id: owner, items: [line], expires_at: expiresAt, started_at: t0 },
};
const reserved: CheckoutEvent = { type: 'CheckoutStockReserved', data: { ...base, reserved_at: t0 } };
const attached: CheckoutEvent = {
  type: 'CheckoutOrderAttached',
  data: { ...base, order_id: 'ord_1' as OrderId, attached_at: t0 },
};
const paused: CheckoutEvent = {
  type: 'CheckoutPaymentPaused',
  data: { ...base, order_id: 'ord_1' as OrderId, reason: 'payment provider unavailable', paused_at: t1 },
};
const resumed = (at: string): CheckoutEvent => ({
  type: 'CheckoutOrderResumed',
  data: { ...base, order_id: 'ord_1' as OrderId, resumed_at: at },
});
const attach = (orderId: string, now = t1): CheckoutCommand => ({
  type: 'AttachOrder',
  data: { reservationId: rsv, orderId: orderId as OrderId, userId: owner, now },
});
const pause = (orderId: string): CheckoutCommand => ({
  type: 'PausePayment',
  data: { reservationId: rsv, orderId: orderId as OrderId, reason: 'payment provider unavailable', now: t1 },
});
const checkout = given(checkoutDecider);

describe('one request pays an order at a time', () => {
  it('another order while the attached one is being paid: 409 BIZ_4010', () => {
    checkout(started, reserved, attached).when(attach('ord_2')).thenThrows(ErrorCode.CheckoutInProgress);
  });

  it('the same order again (a keyed retry) resumes without an event', () => {
    checkout(started, reserved, attached).when(attach('ord_1')).thenEvents([]);
  });

  it('after a pause the next request takes the same order up at once', () => {
    checkout(started, reserved, attached).when(pause('ord_1')).thenEvents([paused]);
    checkout(started, reserved, attached, paused)
      .when(attach('ord_2'))
      .thenEvents([resumed(t1)]);
    const state = checkout(started, reserved, attached, paused, resumed(t1)).state();
    expect(state.orderId).toBe('ord_1');
    expect(state.orders).toEqual(['ord_1']);
  });

  it('an attempt that went silent (the request died) is taken up after its window', () => {
    checkout(started, reserved, attached)
      .when(attach('ord_2', afterAttempt))
      .thenEvents([resumed(afterAttempt)]);
    checkout(started, reserved, attached, resumed(t1))
      .when(attach('ord_2', afterAttempt))
      .thenThrows(ErrorCode.CheckoutInProgress);
  });

  it('pausing names its order: nothing to pause otherwise', () => {
    checkout(started, reserved, attached).when(pause('ord_2')).thenEvents([]);
    checkout(started, reserved, attached, paused).when(pause('ord_1')).thenEvents([]);
  });

  it('its events match their schemas', () => {
    for (const event of [paused, resumed(t1)])
      expect(() => checkoutEventSchemas[event.type].parse(event.data)).not.toThrow();
  });
});

describe('coupon claims: the code an order redeems is on the record first', () => {
  const claim = (orderId: string, code = 'WELCOME-10'): CheckoutCommand => ({
    type: 'ClaimCoupon',
    data: { reservationId: rsv, orderId: orderId as OrderId, code, now: t1 },
  });
  const claimed = (code = 'WELCOME-10'): CheckoutEvent => ({
    type: 'CheckoutCouponClaimed',
    data: { ...base, order_id: 'ord_1' as OrderId, code, claimed_at: t1 },
  });

  it('the attached order claims a code once; each code it claims is kept', () => {
    checkout(started, reserved, attached).when(claim('ord_1')).thenEvents([claimed()]);
    checkout(started, reserved, attached, claimed()).when(claim('ord_1')).thenEvents([]);
    checkout(started, reserved, attached, claimed())
      .when(claim('ord_1', 'SPRING'))
      .thenEvents([claimed('SPRING')]);
    const state = checkout(started, reserved, attached, claimed(), claimed('SPRING')).state();
    expect(couponsClaimedBy(state, 'ord_1')).toEqual(['WELCOME-10', 'SPRING']);
    expect(couponsClaimedBy(state, 'ord_2')).toEqual([]);
    expect(() => checkoutEventSchemas.CheckoutCouponClaimed.parse(claimed().data)).not.toThrow();
  });

  it('a lapsed reservation takes no claim: BIZ_4007 (its expiry gives back what was claimed)', () => {
    const late = { ...claim('ord_1'), data: { ...claim('ord_1').data, now: expiresAt } } as CheckoutCommand;
    checkout(started, reserved, attached).when(late).thenThrows(ErrorCode.ReservationExpired);
  });

  it('an order the reservation is not held for claims nothing: BIZ_4006', () => {
    checkout(started, reserved, attached).when(claim('ord_2')).thenThrows(ErrorCode.IllegalStateTransition);
    checkout(started, reserved).when(claim('ord_1')).thenThrows(ErrorCode.IllegalStateTransition);
  });
});

describe('reserved lines against the catalog now', () => {
  const lamp: CartProduct = {
    productId: 'prd_a' as never,
    name: 'Lamp',
    price: 1000,
    currency: 'USD',
    image: null,
    discontinued: false,
  };
  it('a discontinued product is BIZ_4006 naming the line', () => {
    const run = () => checkReservedLines([line], { prd_a: { ...lamp, discontinued: true } }, () => undefined);
    expect(run).toThrowError(expect.objectContaining({ code: ErrorCode.IllegalStateTransition }));
  });

  it("a price is compared with the cart's line, else with the reservation's", () => {
    const moved = { prd_a: { ...lamp, price: 10_000 } };
    expect(checkReservedLines([line], moved, () => undefined)).toEqual([
      { productId: 'prd_a', productName: 'Lamp', old: 1000, now: 10_000, currency: 'USD' },
    ]);
    expect(checkReservedLines([line], moved, () => 10_000)).toEqual([]);
    expect(checkReservedLines([line], { prd_a: lamp }, () => undefined)).toEqual([]);
  });
});
