import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer } from './api-client/clients.ts';
import { type PersonalDataShop, startPersonalDataShop } from './support/personal-data-shop.ts';

/**
 * API.md "Personal data": `DELETE /users/{user_id}` by an admin, end to end through the command API,
 * the projections and the query API. Values planted through the API are then searched for in the raw
 * events table.
 */
const planted = {
  email: 'wobblethorpe.customer@example.org',
  first: 'Quillonetta',
  last: 'Fennimoresk',
  phone: '+447700900789',
  street: '12 Snorrington Gardens',
  city: 'Plumbleford',
  postal: 'ZX9 8QQ',
};
const password = 'Planted#Pass2';

describe('an admin erases a customer (DELETE /users/{user_id})', () => {
  let shop: PersonalDataShop;

  const login = () =>
    answer(shop.as().POST('/api/v1/users/login', { body: { email: planted.email, password } }));
  const orderDetail = () =>
    answer(
      shop.reads('admin').GET('/api/v1/orders/{order_id}', { params: { path: { order_id: shop.orderId } } }),
    );

  beforeAll(async () => {
    shop = await startPersonalDataShop('admin_erasure', {
      email: planted.email,
      password,
      first_name: planted.first,
      last_name: planted.last,
      phone: planted.phone,
      address: {
        street: planted.street,
        city: planted.city,
        state: 'Kent',
        postal_code: planted.postal,
        country: 'GB',
      },
    });
  }, 120_000);

  afterAll(async () => {
    await shop?.close();
  });

  const eraseAs = (token: string) =>
    answer(
      shop
        .as(token)
        .DELETE('/api/v1/users/{user_id}', { params: { path: { user_id: shop.customer.userId } } }),
    );

  it('is refused to a customer, even for another customer', async () => {
    expect((await eraseAs(shop.customer.token)).status).toBe(403);
    expect((await login()).status).toBe(200);
  });

  it('erases: login fails, the order reads "[erased]", the events table holds nothing plain, the email is free', async () => {
    const { customer } = shop;
    // Before: the order shows the address, so "[erased]" afterwards is the erasure's doing.
    const before = await orderDetail();
    expect(before.body.shipping_address).toMatchObject({ street: planted.street, city: planted.city });

    // Erasure is final: with a stale If-Match it is refused before anything is destroyed.
    const stale = await answer(
      shop.as(shop.adminToken).DELETE('/api/v1/users/{user_id}', {
        params: { path: { user_id: customer.userId } },
        headers: { 'If-Match': '"99"' }, // a revision the user never had
      }),
    );
    expect({ status: stale.status, code: stale.body.error?.code }).toEqual({ status: 412, code: 'RES_3003' });
    expect((await login()).status).toBe(200);

    // An admin's keyed role change: its kept answer is the customer's profile, email and names included.
    const grant = () =>
      answer(
        shop.as(shop.adminToken).POST('/api/v1/users/{user_id}/roles', {
          params: { path: { user_id: customer.userId } },
          body: { role: 'customer' },
          headers: { 'Idempotency-Key': 'grant-1' },
        }),
      );
    expect((await grant()).status).toBe(200);
    const replayed = await grant();
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(replayed.text).toContain(planted.email);

    const erased = await eraseAs(shop.adminToken);
    expect(erased.status).toBe(202);
    // The erasure dropped it: the same key now runs again, and nothing of the person comes back.
    const retried = await grant();
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    for (const value of Object.values(planted)) expect(retried.text).not.toContain(value);
    expect(erased.body).toMatchObject({ user_id: customer.userId, status: 'erased' });
    expect(erased.headers.get('etag')).toMatch(/^"\d+"$/);
    await shop.projected(erased.headers.get('x-consistency-token') ?? 'missing');

    const refused = await login();
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('AUTH_1001');

    const order = await orderDetail();
    expect(order.status).toBe(200);
    for (const which of ['shipping_address', 'billing_address'] as const)
      expect(order.body[which], which).toEqual({
        street: '[erased]',
        city: '[erased]',
        state: '[erased]',
        postal_code: '[erased]',
        country: 'GB',
      });
    // The order stays for the accounts.
    expect(order.body.user_id).toBe(customer.userId);
    expect(Number(order.body.total)).toBeGreaterThan(0);

    const raw = (await shop.storedEvents()).toLowerCase();
    expect(raw).toContain(customer.userId.toLowerCase());
    for (const [what, value] of Object.entries(planted))
      expect(raw.includes(value.toLowerCase()), `${what} in the events table`).toBe(false);

    const again = await answer(
      shop.as().POST('/api/v1/users/register', {
        body: { email: planted.email, password, first_name: 'New', last_name: 'Person' },
      }),
    );
    expect(again.status).toBe(201);
    expect(again.body.user_id).not.toBe(customer.userId);
    expect((await login()).status).toBe(200);
  }, 120_000);
});
