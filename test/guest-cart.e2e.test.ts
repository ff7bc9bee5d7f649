import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProcessManager } from '../process-manager/start.ts';
import { answer, commandClient } from './api-client/clients.ts';
import { type GuestCartApis, guestStream, startGuestCartApis } from './support/guest-cart-apis.ts';

/** Guest carts over the real command and query APIs: X-Cart-Token, refusals, expiry. Merge: guest-cart-merge. */
let apis: GuestCartApis;
const product = (price: number) => apis.product(price);
/** The cart routes as a guest, through the generated client (test/support/guest-cart-apis.ts). */
const asGuest = () => apis.asGuest;
const head = () => apis.head();
const streamEvents = (stream: string) => apis.streamEvents(stream);
const readCart: GuestCartApis['readCart'] = (...args) => apis.readCart(...args);
const guestCart = (lines: [string, number][]) => apis.guestCart(lines);

beforeAll(async () => {
  apis = await startGuestCartApis('guest_cart_e2e');
});
afterAll(() => apis?.close());

describe('guest carts by X-Cart-Token', () => {
  it('the first add issues an opaque token; later calls and GET /cart use it; the log never holds it', async () => {
    const lamp = await product(20);
    const first = await asGuest().add(undefined, { product_id: lamp, quantity: 2 });
    expect(first.status).toBe(200);
    const token = first.headers.get('x-cart-token')!;
    expect(token).toMatch(/^gct_[A-Za-z0-9_-]{43}$/);
    expect(first.body).toMatchObject({ user_id: null, item_count: 2 });
    const second = await asGuest().add(token, { product_id: lamp, quantity: 1 });
    expect(second.status).toBe(200);
    expect(second.headers.get('x-cart-token')).toBeNull();
    expect(second.body.items).toMatchObject([{ product_id: lamp, quantity: 3 }]);
    const line = second.body.items[0]!.cart_item_id;
    const updated = await asGuest().update(token, { cart_item_id: line, quantity: 5 });
    expect(updated.body.items).toMatchObject([{ quantity: 5 }]);

    const read = await readCart(token, updated.headers.get('x-consistency-token'));
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ user_id: null, items: [{ product_id: lamp, quantity: 5 }] });

    const events = await streamEvents(guestStream(token));
    expect(events.map((e) => e.type)).toEqual([
      'CartCreated',
      'ItemAddedToCart',
      'ItemAddedToCart',
      'CartItemQuantityChanged',
    ]);
    const { rows } = await apis.side.pool.query(
      'SELECT count(*)::int AS n FROM messages WHERE data::text LIKE $1',
      [`%${token.slice(4)}%`],
    );
    expect(rows[0].n).toBe(0);
  });

  it('refuses a malformed or unknown token with 401 AUTH_1003 and appends nothing', async () => {
    const lamp = await product(21);
    for (const bad of ['usr_abc', 'gct_short', `gct_${'A'.repeat(43)}`]) {
      const before = await head();
      const response = await asGuest().add(bad, { product_id: lamp, quantity: 1 });
      expect({ status: response.status, code: response.body.error?.code }).toEqual({
        status: 401,
        code: 'AUTH_1003',
      });
      expect(await head()).toBe(before);
    }
    const malformedRead = await readCart('not-a-token');
    expect(malformedRead.status).toBe(401);
    expect(malformedRead.body.error.code).toBe('AUTH_1003');
    const neither = await readCart();
    expect({ status: neither.status, code: neither.body.error?.code }).toEqual({
      status: 401,
      code: 'AUTH_1003',
    }); // A first call that makes no cart (clearing nothing) hands out no token and appends nothing.
    const before = await head();
    const cleared = await asGuest().clear();
    expect(cleared.status).toBe(204);
    expect(cleared.headers.get('x-cart-token')).toBeNull();
    expect(await head()).toBe(before);
  });

  it('a retried first add (same Idempotency-Key) hands back the same token and one cart', async () => {
    const lamp = await product(23);
    const send = () =>
      answer(
        commandClient(apis.command.url).POST('/api/v1/cart/add', {
          headers: { 'Idempotency-Key': `guest-first-${lamp}` },
          body: { product_id: lamp, quantity: 1 },
        }),
      );
    const first = await send();
    const retry = await send();
    expect(first.status).toBe(200);
    expect(retry.status).toBe(200);
    const token = first.headers.get('x-cart-token')!;
    expect(retry.headers.get('x-cart-token')).toBe(token);
    expect((await streamEvents(guestStream(token))).filter((e) => e.type === 'ItemAddedToCart')).toHaveLength(
      1,
    );
  });

  it("another guest's cart stays apart: its items are unknown with my token (404)", async () => {
    const lamp = await product(22);
    const mine = await guestCart([[lamp, 1]]);
    const theirs = await guestCart([[lamp, 2]]);
    const theirLine = (await asGuest().add(theirs.token, { product_id: lamp, quantity: 1 })).body.items[0]!
      .cart_item_id;
    const before = await head();
    const response = await asGuest().remove(mine.token, theirLine);
    expect(response.status).toBe(404);
    expect(await head()).toBe(before);
  });
});

describe('expiry through the APIs', () => {
  it('an idle guest cart expires (CartExpired) and GET /cart then shows it empty', async () => {
    const manager = await startProcessManager({
      store: apis.side.store,
      pool: apis.side.pool,
      logger: apis.side.logger,
      timings: { guestCartTtlMs: 1_000 },
      claim: { maxIdleMs: 500 },
    });
    try {
      const lamp = await product(24);
      const guest = await guestCart([[lamp, 2]]);
      let expired: { type: string }[] = [];
      for (let i = 0; i < 300 && expired.length === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        expired = (await streamEvents(guestStream(guest.token))).filter((e) => e.type === 'CartExpired');
      }
      expect(expired).toHaveLength(1);
      let read = await readCart(guest.token);
      for (let i = 0; i < 100 && read.body.items?.length !== 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        read = await readCart(guest.token);
      }
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ items: [], item_count: 0, user_id: null });
      // The token still opens the cart: the next add starts it again.
      const again = await asGuest().add(guest.token, { product_id: lamp, quantity: 1 });
      expect(again.body).toMatchObject({ items: [{ product_id: lamp, quantity: 1 }] });
    } finally {
      await manager.stop();
    }
  });
});
