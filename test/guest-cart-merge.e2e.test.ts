import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandHandler } from '../application/commands/command-handler.ts';
import { signUp } from '../command-api/test-support.ts';
import { cartDecider, cartStream } from '../domain/cart/cart.ts';
import type { UserId } from '../domain/shared/ids.ts';
import { guestIdFor } from '../infra/http/cart-token.ts';
import { answer, commandClient } from './api-client/clients.ts';
import { type GuestCartApis, guestStream, startGuestCartApis } from './support/guest-cart-apis.ts';

/** A guest cart merged into the customer's at login (POST /users/login with X-Cart-Token), once. */
let apis: GuestCartApis;
const product = (price: number) => apis.product(price);
const head = () => apis.head();
const streamEvents = (stream: string) => apis.streamEvents(stream);
const readCart: GuestCartApis['readCart'] = (...args) => apis.readCart(...args);
const guestCart = (lines: [string, number][]) => apis.guestCart(lines);
let adminToken: string;

// Every call goes through the client generated from docs/openapi/command-api.json, and every answer is
// checked against its route's declared schema (test/api-client/response-check.ts).
const as = (token?: string) => commandClient(apis.command.url, token);
const addToCart = (token: string, body: { product_id: string; quantity: number }) =>
  answer(as(token).POST('/api/v1/cart/add', { body }));
/** Logs in, handing over the guest cart named by `cartToken`. */
const logIn = (customer: { email: string; password: string }, cartToken: string) =>
  answer(
    as().POST('/api/v1/users/login', {
      headers: { 'X-Cart-Token': cartToken },
      body: { email: customer.email, password: customer.password },
    }),
  );

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
    const own = await addToCart(customer.accessToken, { product_id: lamp, quantity: 5 });
    expect(own.status).toBe(200);
    const guest = await guestCart([
      [lamp, 97],
      [rug, 3],
    ]);
    const repriced = await answer(
      as(adminToken).PUT('/api/v1/products/{product_id}/price', {
        params: { path: { product_id: rug } },
        body: { price: 45 },
      }),
    );
    expect(repriced.status).toBe(200);

    const logins = await Promise.all([1, 2, 3].map(() => logIn(customer, guest.token)));
    expect(logins.map((l) => l.status)).toEqual([200, 200, 200]);
    // A login that merges is a command: each answer carries a token to read the merged cart with.
    for (const login of logins) expect(login.headers.get('x-consistency-token')).toMatch(/^\d+\.\d+$/);

    const customerEvents = await streamEvents(`cart-${customer.userId}`);
    expect(customerEvents.filter((e) => e.type === 'CartMergedFromGuest')).toHaveLength(1);
    const guestEvents = await streamEvents(guestStream(guest.token));
    expect(guestEvents.filter((e) => e.type === 'GuestCartMerged')).toHaveLength(1);

    const cart = await addToCart(customer.accessToken, { product_id: rug, quantity: 1 });
    const byProduct = Object.fromEntries(cart.body.items.map((i) => [i.product_id, [i.quantity, i.price]]));
    expect(byProduct).toEqual({ [lamp]: [99, 30], [rug]: [4, 45] });

    // The guest cart is gone: its token opens nothing any more.
    const before = await head();
    const reuse = await apis.asGuest.add(guest.token, { product_id: lamp, quantity: 1 });
    expect({ status: reuse.status, code: reuse.body.error?.code }).toEqual({
      status: 401,
      code: 'AUTH_1003',
    });
    expect(await head()).toBe(before);
    const read = await readCart(guest.token, cart.headers.get('x-consistency-token'));
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
      const login = await logIn(customer, guest.token);
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
    const login = await logIn(customer, 'gct_nope');
    expect({ status: login.status, code: login.body.error?.code }).toEqual({
      status: 401,
      code: 'AUTH_1003',
    });
    expect(await head()).toBe(before);
  });
});
