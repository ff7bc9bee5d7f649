import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../shared/errors.ts';
import { given } from '../shared/given.ts';
import { makeId } from '../shared/ids.ts';
import type { CouponCommand, CouponTerms } from './commands.ts';
import { couponDecider } from './coupon.ts';
import { type CouponCreated, type CouponEvent, couponEventSchemas } from './events.ts';
import { normaliseCouponCode } from './validation.ts';

const code = 'SAVE-10';
const t0 = '2026-01-15T10:00:00.000Z';
const t1 = '2026-01-20T10:00:00.000Z';
const alice = makeId('user', 'alice');
const bob = makeId('user', 'bob');
const coupons = given(couponDecider);

const terms = (overrides: Partial<CouponTerms> = {}): CouponTerms => ({
  reduction: { type: 'percent', basisPoints: 1000 },
  minSubtotal: null,
  startsAt: null,
  endsAt: null,
  maxRedemptions: null,
  maxPerCustomer: 1,
  ...overrides,
});
const createCoupon = (overrides: Partial<CouponTerms> = {}): CouponCommand => ({
  type: 'CreateCoupon',
  data: { code, terms: terms(overrides), now: t0 },
});
const created = (overrides: Partial<CouponCreated['data']> = {}): CouponCreated => ({
  type: 'CouponCreated',
  data: {
    schema_version: 1,
    code,
    percent_off_bps: 1000,
    amount_off: null,
    min_subtotal: null,
    starts_at: null,
    ends_at: null,
    max_redemptions: null,
    max_per_customer: 1,
    created_at: t0,
    ...overrides,
  },
});
const redeem = (order: string, userId = alice, subtotal = 10_005, now = t1): CouponCommand => ({
  type: 'RedeemCoupon',
  data: { code, orderId: makeId('order', order), userId, subtotal, now },
});
const redeemed = (order: string, userId = alice, discount = 1_000, subtotal = 10_005): CouponEvent => ({
  type: 'CouponRedeemed',
  data: {
    schema_version: 1,
    code,
    order_id: makeId('order', order),
    user_id: userId,
    subtotal,
    discount,
    redeemed_at: t1,
  },
});
const release = (order: string): CouponCommand => ({
  type: 'ReleaseCouponRedemption',
  data: { code, orderId: makeId('order', order), now: t1 },
});
const reasonOf = (command: CouponCommand, ...history: CouponEvent[]) =>
  coupons(...history)
    .when(command)
    .thenThrows(ErrorCode.CouponUnusable).details[0]?.message;

describe('CreateCoupon', () => {
  it('creates a coupon with its terms', () => {
    const [event] = coupons().when(createCoupon()).thenEvents([created()]);
    expect(couponEventSchemas.CouponCreated.parse(event?.data)).toEqual(event?.data);
  });

  it('refuses a code that exists, and bad terms', () => {
    coupons(created()).when(createCoupon()).thenThrows(ErrorCode.AlreadyExists);
    const fields = (overrides: Partial<CouponTerms>) =>
      coupons()
        .when(createCoupon(overrides))
        .thenThrows(ErrorCode.ValidationFailed)
        .details.map((d) => d.field);
    expect(fields({ reduction: { type: 'percent', basisPoints: 9100 } })).toEqual(['percent_off']);
    expect(fields({ reduction: { type: 'amount', amount: -5 } })).toEqual(['amount_off']);
    expect(fields({ maxRedemptions: 0, maxPerCustomer: 0, minSubtotal: 0 })).toEqual([
      'min_subtotal',
      'max_redemptions',
      'max_per_customer',
    ]);
    expect(fields({ startsAt: t1, endsAt: t0 })).toEqual(['ends_at']);
  });

  it('takes codes in upper case and refuses other characters', () => {
    expect(normaliseCouponCode(' save-10 ')).toBe('SAVE-10');
    for (const bad of ['AB', 'SAVE_10', 'SAVE 10', 'ÄBCD', 'X'.repeat(33), "A';--"])
      expect(() => normaliseCouponCode(bad)).toThrow(/Validation failed/);
  });
});

describe('RedeemCoupon', () => {
  it('redeems a percentage, rounded half-up to the cent', () => {
    // 100.05 × 10 % = 10.005 → 10.01
    coupons(created())
      .when(redeem('o1'))
      .thenEvents([redeemed('o1')]);
  });

  it('caps an amount at the subtotal', () => {
    const events = coupons(created({ percent_off_bps: null, amount_off: 5_000 }))
      .when(redeem('o1', alice, 3_000))
      .events();
    expect(events[0]?.data).toMatchObject({ discount: 3_000 });
  });

  it('is idempotent for the same order', () => {
    coupons(created(), redeemed('o1')).when(redeem('o1')).thenEvents([]);
  });

  it('refuses an unknown coupon (RES_3001)', () => {
    coupons().when(redeem('o1')).thenThrows(ErrorCode.NotFound);
  });

  it('refuses beyond max_redemptions, and counts a released one as free again', () => {
    const full = [created({ max_redemptions: 2, max_per_customer: 5 }), redeemed('o1'), redeemed('o2', bob)];
    expect(reasonOf(redeem('o3', makeId('user', 'carol')), ...full)).toBe('no redemptions left');
    const freed = coupons(...full, {
      type: 'CouponRedemptionReleased',
      data: { schema_version: 1, code, order_id: makeId('order', 'o1'), user_id: alice, released_at: t1 },
    });
    expect(freed.when(redeem('o3', bob)).events()).toHaveLength(1);
  });

  it('refuses a second use by one customer beyond max_per_customer', () => {
    expect(reasonOf(redeem('o2'), created(), redeemed('o1'))).toBe('already used by this customer');
    expect(coupons(created(), redeemed('o1')).when(redeem('o2', bob)).events()).toHaveLength(1);
  });

  it('refuses outside the window and below min_subtotal', () => {
    expect(reasonOf(redeem('o1'), created({ starts_at: '2026-02-01T00:00:00Z' }))).toBe('not valid yet');
    expect(reasonOf(redeem('o1'), created({ ends_at: t1 }))).toBe('expired');
    expect(reasonOf(redeem('o1', alice, 9_999), created({ min_subtotal: 10_000 }))).toBe(
      'cart subtotal below the minimum',
    );
    expect(
      coupons(created({ min_subtotal: 10_000 }))
        .when(redeem('o1', alice, 10_000))
        .events(),
    ).toHaveLength(1);
  });
});

describe('ReleaseCouponRedemption', () => {
  it("gives back an order's redemption once; an unknown order is a no-op", () => {
    const events = coupons(created(), redeemed('o1')).when(release('o1')).events();
    expect(events).toMatchObject([{ type: 'CouponRedemptionReleased', data: { user_id: alice } }]);
    coupons(created(), redeemed('o1'), ...events)
      .when(release('o1'))
      .thenEvents([]);
    coupons(created()).when(release('o9')).thenEvents([]);
  });
});
