import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandHandler } from '../application/commands/command-handler.ts';
import { createCommandApi } from '../command-api/app.ts';
import { bootstrapAdmin } from '../command-api/identity/bootstrap-admin.ts';
import { randomIds } from '../command-api/ids.ts';
import { createPasswordHasher } from '../infra/auth/password-hasher.ts';
import { loadConfig } from '../infra/config.ts';
import type { Position } from '../infra/eventstore/position.ts';
import { parsePosition } from '../infra/eventstore/position.ts';
import { createProjectionService } from '../projections/service.ts';
import { createReadSideForTest, type ReadSideForTest } from '../projections/test-support.ts';
import { startQueryApiForTest } from '../query-api/test-support.ts';
import { startTestServer, type TestServer } from './support/http.ts';

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
const address = {
  street: planted.street,
  city: planted.city,
  state: 'Kent',
  postal_code: planted.postal,
  country: 'GB',
};
const password = 'Planted#Pass2';

describe('an admin erases a customer (DELETE /users/{user_id})', () => {
  let side: ReadSideForTest;
  let http: TestServer;
  let query: Awaited<ReturnType<typeof startQueryApiForTest>>;
  let projections: ReturnType<typeof createProjectionService>;
  let sql: pg.Client;
  let adminToken: string;
  let customer: { userId: string; token: string };
  let orderId: string;

  const caughtUp = async (token?: string | null) => {
    const position = (token ? parsePosition(token) : await side.store.headPosition()) as Position;
    expect(await projections.waitFor(position, 20_000)).toBe(true);
  };

  /** The events table as stored: stream names, data and metadata of every event. */
  const rawEvents = async () =>
    (
      await sql.query<{ t: string }>(
        "SELECT string_agg(stream_name || ' ' || data::text || ' ' || metadata::text, E'\\n') AS t FROM messages",
      )
    ).rows[0]?.t ?? '';

  beforeAll(async () => {
    side = await createReadSideForTest('admin_erasure');
    sql = new pg.Client({ connectionString: side.database.url });
    await sql.connect();
    const config = loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: side.database.url,
      JWT_SECRET: 'query-api-test-secret-0123456789abcdef',
      RATE_LIMIT_AUTH_PER_MIN: '0',
      RATE_LIMIT_CHECKOUT_PER_MIN: '0',
      RATE_LIMIT_GENERAL_PER_MIN: '0',
    });
    const { store, redis, logger } = side;
    const handler = createCommandHandler({ store });
    http = await startTestServer(createCommandApi({ store, redis, config, logger, handler }));
    query = await startQueryApiForTest(side, { store });
    projections = createProjectionService(side.deps, { pollIntervalMs: 50 } as never);
    projections.start();

    const admin = { email: 'admin@erasure.example.com', password: 'Admin#Pass123' };
    await bootstrapAdmin(
      { store, handler, hasher: createPasswordHasher(), clock: () => new Date(), logger, ids: randomIds },
      admin,
    );
    adminToken = (await http.request('POST', '/api/v1/users/login', { body: admin })).body.access_token;
    const product = await http.request('POST', '/api/v1/products', {
      token: adminToken,
      body: { name: 'Tea Pot', description: 'A pot', price: 20, category: 'Kitchen', images: [] },
    });
    expect(product.status).toBe(201);
    const productId = product.body.product_id as string;
    await http.request('POST', `/api/v1/inventory/${productId}/receive`, {
      token: adminToken,
      body: { quantity: 10 },
    });

    const registered = await http.request('POST', '/api/v1/users/register', {
      body: {
        email: planted.email,
        password,
        first_name: planted.first,
        last_name: planted.last,
        phone: planted.phone,
      },
    });
    expect(registered.status).toBe(201);
    const login = await http.request('POST', '/api/v1/users/login', {
      body: { email: planted.email, password },
    });
    expect(login.status).toBe(200);
    customer = { userId: registered.body.user_id, token: login.body.access_token };
    await http.request('POST', '/api/v1/cart/add', {
      token: customer.token,
      body: { product_id: productId, quantity: 1 },
    });
    const order = await http.request('POST', '/api/v1/orders', {
      token: customer.token,
      body: {
        shipping_address: address,
        billing_address: address,
        payment_method: { type: 'card', token: 'tok_visa' },
      },
    });
    expect(order.status).toBe(201);
    orderId = order.body.order_id as string;
    await caughtUp(order.headers.get('x-consistency-token'));
  }, 120_000);

  afterAll(async () => {
    await projections?.stop();
    await query?.close();
    await http?.close();
    await sql?.end();
    await side?.close();
  });

  it('is refused to a customer, even for another customer', async () => {
    const other = await http.request('DELETE', `/api/v1/users/${customer.userId}`, { token: customer.token });
    expect(other.status).toBe(403);
    const login = await http.request('POST', '/api/v1/users/login', {
      body: { email: planted.email, password },
    });
    expect(login.status).toBe(200);
  });

  it('erases: login fails, the order reads "[erased]", the events table holds nothing plain, the email is free', async () => {
    // Before: the order shows the address, so "[erased]" afterwards is the erasure's doing.
    const before = await query.http.request('GET', `/api/v1/orders/${orderId}`, {
      token: query.token('admin'),
    });
    expect(before.body.shipping_address).toMatchObject({ street: planted.street, city: planted.city });

    const erased = await http.request('DELETE', `/api/v1/users/${customer.userId}`, { token: adminToken });
    expect(erased.status).toBe(202);
    expect(erased.body).toMatchObject({ user_id: customer.userId, status: 'erased' });
    await caughtUp(erased.headers.get('x-consistency-token'));

    const login = await http.request('POST', '/api/v1/users/login', {
      body: { email: planted.email, password },
    });
    expect(login.status).toBe(401);
    expect(login.body.error.code).toBe('AUTH_1001');

    const order = await query.http.request('GET', `/api/v1/orders/${orderId}`, {
      token: query.token('admin'),
    });
    expect(order.status).toBe(200);
    for (const which of ['shipping_address', 'billing_address'])
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

    const raw = (await rawEvents()).toLowerCase();
    expect(raw).toContain(customer.userId.toLowerCase());
    for (const [what, value] of Object.entries(planted))
      expect(raw.includes(value.toLowerCase()), `${what} in the events table`).toBe(false);

    const again = await http.request('POST', '/api/v1/users/register', {
      body: { email: planted.email, password, first_name: 'New', last_name: 'Person' },
    });
    expect(again.status).toBe(201);
    expect(again.body.user_id).not.toBe(customer.userId);
    const newLogin = await http.request('POST', '/api/v1/users/login', {
      body: { email: planted.email, password },
    });
    expect(newLogin.status).toBe(200);
  }, 120_000);
});
