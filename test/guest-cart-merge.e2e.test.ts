import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandHandler } from '../application/commands/command-handler.ts';
import { signUp } from '../command-api/test-support.ts';
import { cartDecider, cartStream } from '../domain/cart/cart.ts';
import type { UserId } from '../domain/shared/ids.ts';
import { guestIdFor } from '../infra/http/cart-token.ts';
import { type GuestCartApis, guestStream, startGuestCartApis } from './support/guest-cart-apis.ts';

/** A guest cart merged into the customer's at login (POST /users/login with X-Cart-Token), once. */
let apis: GuestCartApis;
const product = (price: number) => apis.product(price);
const asGuest: GuestCartApis['asGuest'] = (...args) => apis.asGuest(...args);
const head = () => apis.head();
const streamEvents = (stream: string) => apis.streamEvents(stream);
const readCart: GuestCartApis['readCart'] = (...args) => apis.readCart(...args);
const guestCart = (lines: [string, number][]) => apis.guestCart(lines);
let adminToken: string;

beforeAll(async () => {
  apis = await startGuestCartApis('guest_cart_merge_e2e');
  adminToken = apis.adminToken;
});
afterAll(() => apis?.close());

describe('merge on login', () => {
  it('three concurrent logins with one token merge once: quantities added, capped at 99, priced now', async () => {
    const lamp = await product(30);
    const rug = await product(40);
    const customer = await signUp(apis.command);
    const own = await apis.command.request('POST', '/api/v1/cart/add', {
      token: customer.accessToken,
      body: { product_id: lamp, quantity: 5 },
    });
    expect(own.status).toBe(200);
    const guest = await guestCart([
      [lamp, 97],
      [rug, 3],
    ]);
    const repriced = await apis.command.request('PUT', `/api/v1/products/${rug}/price`, {
      token: adminToken,
      body: { price: 45 },
    });
    expect(repriced.status).toBe(200);

    const logins = await Promise.all(
      [1, 2, 3].map(() =>
        apis.command.request('POST', '/api/v1/users/login', {
          headers: { 'X-Cart-Token': guest.token },
          body: { email: customer.email, password: customer.password },
        }),
      ),
    );
    expect(logins.map((l) => l.status)).toEqual([200, 200, 200]);

    const customerEvents = await streamEvents(`cart-${customer.userId}`);
    expect(customerEvents.filter((e) => e.type === 'CartMergedFromGuest')).toHaveLength(1);
    const guestEvents = await streamEvents(guestStream(guest.token));
    expect(guestEvents.filter((e) => e.type === 'GuestCartMerged')).toHaveLength(1);

    const cart = await apis.command.request('POST', '/api/v1/cart/add', {
      token: customer.accessToken,
      body: { product_id: rug, quantity: 1 },
    });
    const byProduct = Object.fromEntries(
      (cart.body.items as { product_id: string; quantity: number; price: number }[]).map((i) => [
        i.product_id,
        [i.quantity, i.price],
      ]),
    );
    expect(byProduct).toEqual({ [lamp]: [99, 30], [rug]: [4, 45] });

    // The guest cart is gone: its token opens nothing any more.
    const before = await head();
    const reuse = await asGuest('POST', '/cart/add', guest.token, { product_id: lamp, quantity: 1 });
    expect({ status: reuse.status, code: reuse.body.error?.code }).toEqual({
      status: 401,
      code: 'AUTH_1003',
    });
    expect(await head()).toBe(before);
    const read = await readCart({ 'X-Cart-Token': guest.token }, cart.headers.get('x-consistency-token'));
    expect(read.status).toBe(401);
  });

  it('a login after a crash between closing the guest cart and merging it finishes the merge', async () => {
    const lamp = await product(31);
    const customer = await signUp(apis.command);
    const guest = await guestCart([[lamp, 2]]);
    // The first step alone, as a login that died right after it would leave things.
    const handler = createCommandHandler({ store: apis.side.store });
    await handler.handle({
      decider: cartDecider,
      stream: cartStream(guestIdFor(guest.token)),
      command: {
        type: 'CloseGuestCart',
        data: {
          userId: guestIdFor(guest.token),
          intoUserId: customer.userId as UserId,
          now: new Date().toISOString(),
        },
      },
      metadata: { correlation_id: 'crash-test' },
    });
    for (let i = 0; i < 2; i++) {
      const login = await apis.command.request('POST', '/api/v1/users/login', {
        headers: { 'X-Cart-Token': guest.token },
        body: { email: customer.email, password: customer.password },
      });
      expect(login.status).toBe(200);
    }
    const events = await streamEvents(`cart-${customer.userId}`);
    expect(events.filter((e) => e.type === 'CartMergedFromGuest')).toHaveLength(1);
    expect(events.find((e) => e.type === 'CartMergedFromGuest')!.data).toMatchObject({
      lines: [{ product_id: lamp, quantity: 2, line_quantity: 2 }],
    });
  });

  it('a login with a malformed cart token is refused and merges nothing', async () => {
    const customer = await signUp(apis.command);
    const before = await head();
    const login = await apis.command.request('POST', '/api/v1/users/login', {
      headers: { 'X-Cart-Token': 'gct_nope' },
      body: { email: customer.email, password: customer.password },
    });
    expect({ status: login.status, code: login.body.error?.code }).toEqual({
      status: 401,
      code: 'AUTH_1003',
    });
    expect(await head()).toBe(before);
  });
});
