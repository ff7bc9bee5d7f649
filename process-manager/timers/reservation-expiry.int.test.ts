import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redeemCoupon } from '../../application/checkout/coupon-redemption.ts';
import {
  type CheckoutWorld,
  createCheckoutWorld,
  eventually,
} from '../../application/checkout/test-support.ts';
import type { WorkflowStep } from '../../application/checkout/workflow-deps.ts';
import { checkoutDecider, checkoutStream } from '../../domain/checkout/checkout.ts';
import { stockStream } from '../../domain/inventory/stock.ts';
import {
  makeId,
  type OrderId,
  type ProductId,
  type ReservationId,
  type UserId,
} from '../../domain/shared/ids.ts';
import { createMetrics as createShopMetrics } from '../../infra/telemetry/index.ts';

const TTL_SECONDS = 2;

describe('reservation expiry: durable timers claimed with SKIP LOCKED', () => {
  let world: CheckoutWorld;
  let crashAfter: WorkflowStep | undefined;
  beforeAll(async () => {
    world = await createCheckoutWorld('reservation_expiry', { ttlSeconds: TTL_SECONDS });
    world.faults.after = (step) => {
      if (step !== crashAfter) return;
      crashAfter = undefined;
      throw new Error(`crashed after ${step}`);
    };
  });
  afterAll(() => world.close());

  async function reserve(quantity = 1, product?: ProductId) {
    const productId = product ?? world.newProduct();
    if (!product) await world.receive(productId, 100);
    const customer: UserId = world.newUser();
    await world.addToCart(customer, productId, quantity);
    const reservation = await world.services.reserveCart(customer, world.metadata);
    return { productId, ...reservation };
  }
  const expiries = async (productId: ProductId) =>
    (await world.readAllOf(stockStream(productId))).filter((e) => e.type === 'ReservationExpired');

  it('gives the stock back within 2 s of expires_at', async () => {
    const manager = await world.startProcessManager();
    try {
      const { productId, expiresAt } = await reserve(3);
      expect((await world.stock(productId)).reserved).toBe(3);
      const [expired] = await eventually(async () => {
        const found = await expiries(productId);
        expect(found).toHaveLength(1);
        return found;
      });
      const lateMs = expired!.recordedAt.getTime() - Date.parse(expiresAt);
      expect(lateMs).toBeGreaterThanOrEqual(0);
      expect(lateMs).toBeLessThan(2_000);
      expect(await world.stock(productId)).toMatchObject({ onHand: 100, reserved: 0 });
    } finally {
      await manager.stop();
    }
  });

  it('gives back the coupon an order redeemed and never placed, though the cart no longer holds it', async () => {
    await world.createCoupon('LOST-ONE', 1);
    const productId = world.newProduct();
    await world.receive(productId, 10);
    const customer: UserId = world.newUser();
    await world.addToCart(customer, productId, 1);
    await world.applyCoupon(customer, 'LOST-ONE');
    // The request reserves, attaches its order and redeems the coupon, then dies before placing it.
    crashAfter = 'coupon-redeemed';
    await expect(world.placeOrder(customer)).rejects.toThrow('crashed');
    const [orderId] = await world.redemptions('LOST-ONE');
    expect(orderId).toBeDefined();
    expect((await world.order(orderId!)).status).toBe('none');
    // The shopper takes the coupon off meanwhile: the cart no longer names it.
    await world.removeCoupon(customer);

    const manager = await world.startProcessManager();
    try {
      await eventually(async () => expect(await expiries(productId)).toHaveLength(1));
      await eventually(async () => expect(await world.redemptions('LOST-ONE')).toEqual([]));
    } finally {
      await manager.stop();
    }
  });

  it("gives back the cart's coupon for an order attached before claims were recorded", async () => {
    const code = 'LOST-OLD';
    await world.createCoupon(code, 1);
    const productId = world.newProduct();
    await world.receive(productId, 10);
    const customer: UserId = world.newUser();
    await world.addToCart(customer, productId, 1);
    await world.applyCoupon(customer, code);
    const { reservationId } = await world.services.reserveCart(customer, world.metadata);
    // What older code did: attach, redeem (no claim on the checkout record), then die.
    const orderId = makeId('order', `lost${Date.now()}`) as OrderId;
    const now = world.clock().toISOString();
    await world.handler.handle({
      decider: checkoutDecider,
      stream: checkoutStream(reservationId),
      metadata: world.metadata,
      command: { type: 'AttachOrder', data: { reservationId, orderId, userId: customer, now } },
    });
    const redeemed = { code, orderId, userId: customer, subtotal: 2_500, now };
    await redeemCoupon(world.handler, redeemed, world.metadata);
    expect(await world.redemptions(code)).toEqual([orderId]);

    const manager = await world.startProcessManager();
    try {
      await eventually(async () => expect(await expiries(productId)).toHaveLength(1));
      await eventually(async () => expect(await world.redemptions(code)).toEqual([]));
    } finally {
      await manager.stop();
    }
  });

  it('expires a reservation whose expiry passed while the process manager was stopped', async () => {
    const { productId, expiresAt } = await reserve(2);
    await new Promise((resolve) => setTimeout(resolve, Date.parse(expiresAt) - Date.now() + 300));
    expect((await world.stock(productId)).reserved).toBe(2); // nobody released it
    const manager = await world.startProcessManager();
    try {
      await eventually(async () => expect(await expiries(productId)).toHaveLength(1));
      expect((await world.stock(productId)).reserved).toBe(0);
    } finally {
      await manager.stop();
    }
  });

  it('a timer recorded before a stop survives it', async () => {
    const first = await world.startProcessManager();
    // An expiry far enough ahead that the timer is surely recorded before it falls due.
    const productId = world.newProduct();
    await world.receive(productId, 10);
    const reservationId = `rsv_survivor${Date.now()}` as ReservationId;
    const expiresAt = new Date(Date.now() + 6_000).toISOString();
    await world.services.deps.stock.execute(
      {
        type: 'ReserveStock',
        data: { productId, reservationId, quantity: 1, expiresAt, now: new Date().toISOString() },
      },
      world.metadata,
    );
    await eventually(async () => {
      const { rows } = await world.pool.query(
        "SELECT due_at FROM rm_process_manager_g1.timers WHERE kind = 'expire-reservation' AND key = $1",
        [`${reservationId}:${productId}`],
      );
      expect(rows).toHaveLength(1);
    }, 5_000);
    await first.stop();
    await new Promise((resolve) => setTimeout(resolve, Date.parse(expiresAt) - Date.now() + 200));
    expect(await expiries(productId)).toHaveLength(0);
    const second = await world.startProcessManager();
    try {
      await eventually(async () => expect(await expiries(productId)).toHaveLength(1));
    } finally {
      await second.stop();
    }
  });

  it('reports the timer backlog to the metrics and keeps the traceparent for the timer span', async () => {
    const shopMetrics = createShopMetrics({ runtime: false });
    const manager = await world.startProcessManager({ metrics: shopMetrics });
    try {
      const productId = world.newProduct();
      await world.receive(productId, 10);
      const reservationId = `rsv_backlog${Date.now()}` as ReservationId;
      const traceparent = `00-${'c'.repeat(32)}-${'1'.repeat(16)}-01`;
      await world.services.deps.stock.execute(
        {
          type: 'ReserveStock',
          data: {
            productId,
            reservationId,
            quantity: 1,
            expiresAt: new Date(Date.now() + 60_000).toISOString(),
            now: new Date().toISOString(),
          },
        },
        { ...world.metadata, traceparent },
      );
      await eventually(async () => {
        const { rows } = await world.pool.query(
          "SELECT payload FROM rm_process_manager_g1.timers WHERE kind = 'expire-reservation' AND key = $1",
          [`${reservationId}:${productId}`],
        );
        expect(rows[0]?.payload.traceparent).toBe(traceparent);
      }, 5_000);
      manager.claims.wake();
      await eventually(async () => {
        const pending = (await shopMetrics.timerBacklog.get()).values.find(
          (v) => v.labels.state === 'pending',
        );
        expect(pending?.value).toBeGreaterThanOrEqual(1);
      }, 5_000);
    } finally {
      await manager.stop();
    }
  });

  it('two instances: every reservation expired exactly once, each timer run once', async () => {
    const product = world.newProduct();
    await world.receive(product, 1_000);
    const runs = new Map<string, number>();
    const count = (timer: { kind: string; key: string }, outcome: unknown) => {
      if (timer.kind === 'expire-reservation' && outcome !== 'failed')
        runs.set(timer.key, (runs.get(timer.key) ?? 0) + 1);
    };
    const a = await world.startProcessManager({ onTimer: count, claim: { batchSize: 4, maxIdleMs: 1_000 } });
    const b = await world.startProcessManager({ onTimer: count, claim: { batchSize: 4, maxIdleMs: 1_000 } });
    try {
      const reservations = await Promise.all(Array.from({ length: 40 }, () => reserve(1, product)));
      // Generous: the event store's read horizon is cluster-wide, so other work on the server slows this down.
      await eventually(async () => expect((await world.stock(product)).reserved).toBe(0), 30_000);
      const expired = await expiries(product);
      expect(expired).toHaveLength(40);
      expect(new Set(expired.map((e) => e.data.reservation_id)).size).toBe(40);
      expect(new Set(reservations.map((r) => r.reservationId))).toEqual(
        new Set(expired.map((e) => e.data.reservation_id)),
      );
      expect([...runs.values()].every((n) => n === 1)).toBe(true);
      expect(runs.size).toBe(40);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
