import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { couponDecider, couponStream } from '../../domain/pricing/coupon.ts';
import { DomainError } from '../../domain/shared/errors.ts';
import { makeId, type UserId } from '../../domain/shared/ids.ts';
import type { EventStore } from '../../infra/eventstore/port.ts';
import { createPostgresEventStore } from '../../infra/eventstore/postgres/store.ts';
import { createTestDatabase } from '../../test/support/isolation.ts';
import { createCommandHandler } from '../commands/command-handler.ts';
import { redeemCoupon, releaseCoupon } from './coupon-redemption.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let store: EventStore;
let handler: ReturnType<typeof createCommandHandler>;
const metadata = { correlation_id: 'req_coupon_test' };
const now = '2026-01-15T10:00:00.000Z';

beforeAll(async () => {
  database = await createTestDatabase('coupon_redemption');
  store = await createPostgresEventStore({ connectionString: database.url, poolSize: 4 });
  handler = createCommandHandler({ store });
});
afterAll(async () => {
  await store?.close();
  await database?.drop();
});

async function createCoupon(code: string, maxRedemptions: number | null, maxPerCustomer = 1) {
  await handler.handle({
    decider: couponDecider,
    stream: couponStream(code),
    metadata,
    command: {
      type: 'CreateCoupon',
      data: {
        code,
        now,
        terms: {
          reduction: { type: 'amount', amount: 500 },
          minSubtotal: null,
          startsAt: null,
          endsAt: null,
          maxRedemptions,
          maxPerCustomer,
        },
      },
    },
  });
}
const order = (n: number) => makeId('order', `o${n}`);
const user = (n: number) => makeId('user', `u${n}`) as UserId;
const redeem = (code: string, n: number, userN = n) =>
  redeemCoupon(handler, { code, orderId: order(n), userId: user(userN), subtotal: 10_000, now }, metadata);
const types = async (code: string) => (await store.readStream(couponStream(code))).map((e) => e.type);

describe('coupon redemption against the real store', () => {
  it('gives exactly 10 of 100 concurrent redemptions of a max-10 coupon; the others are BIZ_4009', async () => {
    await createCoupon('RUSH-10', 10);
    // Separate handlers, as separate processes would have: no shared cache to hide a race.
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, (_, n) =>
        redeemCoupon(
          createCommandHandler({ store }),
          { code: 'rush-10', orderId: order(n), userId: user(n), subtotal: 10_000, now },
          metadata,
        ),
      ),
    );
    const fulfilled = results.filter((r) => r.status === 'fulfilled');
    const refusals = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    expect(fulfilled).toHaveLength(10);
    expect(refusals.map((e) => (e instanceof DomainError ? e.code : String(e)))).toEqual(
      Array(90).fill('BIZ_4009'),
    );
    const events = await types('RUSH-10');
    expect(events.filter((t) => t === 'CouponRedeemed')).toHaveLength(10);
  });

  it('is idempotent per order, giving back the discount first recorded', async () => {
    await createCoupon('TWICE-1', 5);
    expect(await redeem('TWICE-1', 1)).toEqual({ code: 'TWICE-1', discount: 500 });
    expect(await redeem('TWICE-1', 1)).toEqual({ code: 'TWICE-1', discount: 500 });
    expect(await types('TWICE-1')).toEqual(['CouponCreated', 'CouponRedeemed']);
  });

  it('gives a released redemption back to the pool, once', async () => {
    await createCoupon('ONE-LEFT', 1, 5);
    await redeem('ONE-LEFT', 1);
    await expect(redeem('ONE-LEFT', 2)).rejects.toMatchObject({ code: 'BIZ_4009' });
    await releaseCoupon(handler, { code: 'one-left', orderId: order(1), now }, metadata);
    await releaseCoupon(handler, { code: 'ONE-LEFT', orderId: order(1), now }, metadata);
    expect(await redeem('ONE-LEFT', 2)).toEqual({ code: 'ONE-LEFT', discount: 500 });
    expect(await types('ONE-LEFT')).toEqual([
      'CouponCreated',
      'CouponRedeemed',
      'CouponRedemptionReleased',
      'CouponRedeemed',
    ]);
  });

  it('refuses an unknown code with RES_3001', async () => {
    await expect(redeem('NO-SUCH', 1)).rejects.toMatchObject({ code: 'RES_3001' });
  });
});
