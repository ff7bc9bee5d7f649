import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CheckoutWorld,
  createCheckoutWorld,
  eventually,
} from '../../application/checkout/test-support.ts';
import { cartDecider, cartStream } from '../../domain/cart/cart.ts';
import { makeId, type UserId } from '../../domain/shared/ids.ts';

/** Lifetimes in seconds here; in production days (GUEST_CART_TTL_DAYS, CART_TTL_DAYS). */
const timings = {
  settleAfterMs: 200,
  completeAfterMs: 200,
  cancelAfterMs: 200,
  guestCartTtlMs: 1_500,
  cartTtlMs: 2_500,
};

describe('cart expiry: durable timers of the process manager, restarted by every change', () => {
  let world: CheckoutWorld;
  beforeAll(async () => {
    world = await createCheckoutWorld('cart_expiry');
  });
  afterAll(() => world.close());

  const expiries = async (owner: string) =>
    (await world.readAllOf(cartStream(owner as UserId))).filter((e) => e.type === 'CartExpired');
  const timerOf = async (owner: string) =>
    (
      await world.pool.query<{ due_at: Date }>(
        "SELECT due_at FROM rm_process_manager_g1.timers WHERE kind = 'expire-cart' AND key = $1",
        [owner],
      )
    ).rows[0];

  it('expires an idle guest cart once with CartExpired; the cart is then empty and opens again on add', async () => {
    const manager = await world.startProcessManager({ timings });
    try {
      const guest = makeId('guest', `${Date.now()}a`) as unknown as UserId;
      const productId = world.newProduct();
      await world.addToCart(guest, productId, 2);
      const [expired] = await eventually(async () => {
        const found = await expiries(guest);
        expect(found).toHaveLength(1);
        return found;
      });
      expect(expired!.data).toMatchObject({
        user_id: guest,
        items: [{ product_id: productId, quantity: 2 }],
      });
      expect(await world.cart(guest)).toMatchObject({ open: false, lines: [] });
      await eventually(async () => expect(await timerOf(guest)).toBeUndefined());
      expect(await expiries(guest)).toHaveLength(1);

      await world.addToCart(guest, productId, 1);
      expect(await world.cart(guest)).toMatchObject({
        open: true,
        lines: [{ quantity: 1 }],
        expiredAt: null,
      });
    } finally {
      await manager.stop();
    }
  });

  it("a change restarts the customer cart's timer: it expires idle since the last change", async () => {
    const manager = await world.startProcessManager({ timings });
    try {
      const customer = world.newUser();
      await world.addToCart(customer, world.newProduct(), 1);
      const first = await eventually(async () => {
        const row = await timerOf(customer);
        expect(row).toBeDefined();
        return row!;
      });
      await world.addToCart(customer, world.newProduct(), 3);
      const lastChange = (await world.cart(customer)).updatedAt;
      await eventually(async () => {
        const row = await timerOf(customer);
        // Moved later by the second change.
        expect(row?.due_at.getTime()).toBeGreaterThan(first.due_at.getTime());
      });
      const [expired] = await eventually(async () => {
        const found = await expiries(customer);
        expect(found).toHaveLength(1);
        return found;
      });
      expect(expired!.data).toMatchObject({ idle_since: lastChange });
      expect((expired!.data as { items: unknown[] }).items).toHaveLength(2);
    } finally {
      await manager.stop();
    }
  });

  it('a checked-out cart has no expiry timer left', async () => {
    const manager = await world.startProcessManager({ timings: { ...timings, cartTtlMs: 600_000 } });
    try {
      const customer = world.newUser();
      const productId = world.newProduct();
      await world.receive(productId, 10);
      await world.addToCart(customer, productId, 1);
      await eventually(async () => expect(await timerOf(customer)).toBeDefined());
      await world.handler.handle({
        decider: cartDecider,
        stream: cartStream(customer),
        command: { type: 'CheckOutCart', data: { userId: customer, now: new Date().toISOString() } },
        metadata: world.metadata,
      });
      await eventually(async () => expect(await timerOf(customer)).toBeUndefined());
      expect(await expiries(customer)).toHaveLength(0);
    } finally {
      await manager.stop();
    }
  });
});
