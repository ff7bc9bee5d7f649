import pg from 'pg';
import { expect } from 'vitest';
import { createCommandHandler } from '../../application/commands/command-handler.ts';
import { createCommandApi } from '../../command-api/app.ts';
import { bootstrapAdmin } from '../../command-api/identity/bootstrap-admin.ts';
import { randomIds } from '../../command-api/ids.ts';
import { migrateAudit } from '../../infra/audit/migrate.ts';
import { createPasswordHasher } from '../../infra/auth/password-hasher.ts';
import { loadConfig } from '../../infra/config.ts';
import { parsePosition } from '../../infra/eventstore/position.ts';
import { createProjectionService } from '../../projections/service.ts';
import { createReadSideForTest } from '../../projections/test-support.ts';
import { startQueryApiForTest } from '../../query-api/test-support.ts';
import { answer, commandClient, queryClient } from '../api-client/clients.ts';
import type { components } from '../api-client/command-api.d.ts';
import { startTestServer } from './http.ts';

type Schemas = components['schemas'];
type Address = Schemas['postOrdersBody']['shipping_address'];

/** A customer registered with personal data a test then looks for, who orders to this address. */
export type PlantedCustomer = Schemas['postUsersRegisterBody'] & { address: Address };

/**
 * The personal-data e2e tests' shop: command API, projections and query API on one fresh database (the
 * audit tables migrated), an admin, a product in stock, and `planted` registered, signed in and with one
 * order placed and projected. Every call goes through the clients generated from docs/openapi/*.json,
 * each answer checked against its route's declared schema (test/api-client/response-check.ts).
 */
export async function startPersonalDataShop(label: string, planted: PlantedCustomer) {
  const side = await createReadSideForTest(label);
  const sql = new pg.Client({ connectionString: side.database.url });
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
  const command = await startTestServer(createCommandApi({ store, redis, config, logger, handler }));
  await migrateAudit(side.pool);
  const query = await startQueryApiForTest(side, { store });
  const projections = createProjectionService(side.deps, { pollIntervalMs: 50 } as never);
  projections.start();

  /** The command API, as `token` when given. */
  const as = (token?: string) => commandClient(command.url, token);
  /** The query API as this role (a token minted for `userId`, or the role's own user). */
  const reads = (role: 'customer' | 'admin' | 'auditor', userId?: string) =>
    queryClient(query.http.url, query.token(role, userId));
  /** Waits until the projections hold the command that answered `consistency`, or everything so far. */
  const projected = async (consistency?: string | null) => {
    const position = consistency ? parsePosition(consistency) : await store.headPosition();
    expect(await projections.waitFor(position!, 20_000)).toBe(true);
  };

  const admin = { email: 'admin@personal-data.example.com', password: 'Admin#Pass123' };
  await bootstrapAdmin(
    { store, handler, hasher: createPasswordHasher(), clock: () => new Date(), logger, ids: randomIds },
    admin,
  );
  const adminToken = (await answer(as().POST('/api/v1/users/login', { body: admin }))).body.access_token;
  const product = await answer(
    as(adminToken).POST('/api/v1/products', {
      body: { name: 'Tea Pot', description: 'A pot', price: 20, category: 'Kitchen', images: [] },
    }),
  );
  expect(product.status).toBe(201);
  const productId = product.body.product_id;
  const received = await answer(
    as(adminToken).POST('/api/v1/inventory/{product_id}/receive', {
      params: { path: { product_id: productId } },
      body: { quantity: 50 },
    }),
  );
  expect(received.status).toBe(200);

  const { address, ...registration } = planted;
  const registered = await answer(as().POST('/api/v1/users/register', { body: registration }));
  expect(registered.status).toBe(201);
  const login = await answer(
    as().POST('/api/v1/users/login', { body: { email: planted.email, password: planted.password } }),
  );
  expect(login.status).toBe(200);
  const customer = { userId: registered.body.user_id, token: login.body.access_token };
  /** Puts one of the product in the caller's cart. */
  const addToCart = async (token: string) => {
    const added = await answer(
      as(token).POST('/api/v1/cart/add', { body: { product_id: productId, quantity: 1 } }),
    );
    expect(added.status).toBe(200);
  };
  /** Orders the caller's cart to `address`, paid by card. */
  const placeOrder = (token: string) =>
    answer(
      as(token).POST('/api/v1/orders', {
        body: {
          shipping_address: address,
          billing_address: address,
          payment_method: { type: 'card', token: 'tok_visa' },
        },
      }),
    );
  await addToCart(customer.token);
  const placed = await placeOrder(customer.token);
  expect(placed.status).toBe(201);
  await projected(placed.headers.get('x-consistency-token'));

  return {
    side,
    /** A connection to the test's database, to read tables as stored. */
    sql,
    /** The events table as stored: the stream name, data and metadata of every event, one line each. */
    async storedEvents() {
      const { rows } = await sql.query<{ t: string | null }>(
        "SELECT string_agg(stream_name || ' ' || data::text || ' ' || metadata::text, E'\\n') AS t FROM messages",
      );
      return rows[0]?.t ?? '';
    },
    as,
    reads,
    projected,
    adminToken,
    productId,
    customer,
    orderId: placed.body.order_id,
    addToCart,
    placeOrder,
    async close() {
      await projections.stop();
      await query.close();
      await command.close();
      await sql.end();
      await side.close();
    },
  };
}

export type PersonalDataShop = Awaited<ReturnType<typeof startPersonalDataShop>>;
