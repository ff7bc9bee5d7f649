import { afterAll, beforeAll, expect, it } from 'vitest';
import { answer, commandClient } from '../test/api-client/clients.ts';
import { type CommandApiForTest, type EventStore, signUp, startCommandApiForTest } from './test-support.ts';

// A login that hands over a guest cart merges it before the session starts: when the merge fails, the
// client gets an error and no session was opened for tokens it never received.
let api: CommandApiForTest;
let failCartAppends = false;
const failingCustomerCarts = (store: EventStore): EventStore => ({
  ...store,
  appendToStream: (stream, events, options) =>
    failCartAppends && stream.startsWith('cart-usr_')
      ? Promise.reject(new Error('the store is failing'))
      : store.appendToStream(stream, events, options),
});
beforeAll(async () => {
  api = await startCommandApiForTest('login-merge', {}, { wrapStore: failingCustomerCarts });
});
afterAll(async () => {
  await api?.close();
});

it('opens no session when the guest cart cannot be merged', async () => {
  const admin = await api.admin();
  const product = await answer(
    commandClient(api.http.url, admin.accessToken).POST('/api/v1/products', {
      body: { name: 'Lamp', price: 10, category: 'Home', initial_stock: 5 },
    }),
  );
  const guest = await answer(
    commandClient(api.http.url).POST('/api/v1/cart/add', {
      body: { product_id: product.body.product_id, quantity: 1 },
    }),
  );
  const cartToken = guest.headers.get('x-cart-token')!;
  const customer = await signUp(api.http);
  const families = () => api.redis.smembers(`auth:ufam:${customer.userId}`);
  const before = await families(); // signUp's own login
  failCartAppends = true;
  try {
    const login = await answer(
      commandClient(api.http.url).POST('/api/v1/users/login', {
        headers: { 'X-Cart-Token': cartToken },
        body: { email: customer.email, password: customer.password },
      }),
    );
    expect(login.status).toBe(500);
    expect((await families()).sort()).toEqual(before.sort());
  } finally {
    failCartAppends = false;
  }
});
