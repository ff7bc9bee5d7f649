import { Redis as RedisClient } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allVisible } from '../application/audit/test-fixtures.ts';
import { verifyHistory } from '../application/audit/verify/verify-history.ts';
import { createCommandHandler } from '../application/commands/command-handler.ts';
import { topicNames } from '../application/integration-events/topics.ts';
import { createCommandApi } from '../command-api/app.ts';
import { bootstrapAdmin } from '../command-api/identity/bootstrap-admin.ts';
import { randomIds } from '../command-api/ids.ts';
import { migrateAudit } from '../infra/audit/migrate.ts';
import { createPasswordHasher } from '../infra/auth/password-hasher.ts';
import { loadConfig } from '../infra/config.ts';
import type { Position } from '../infra/eventstore/position.ts';
import { parsePosition } from '../infra/eventstore/position.ts';
import { createPostgresEventStore } from '../infra/eventstore/postgres/store.ts';
import { kafkaTestBrokers } from '../infra/kafka/test-brokers.ts';
import { personalDataOf } from '../infra/privacy/personal-data.ts';
import { decryptor } from '../infra/privacy/with-personal-data.ts';
import { startPublisher } from '../projections/publisher/publisher.ts';
import { allTopics, readTopics, testKafka, testTopicPrefix } from '../projections/publisher/test-support.ts';
import { createProjectionService } from '../projections/service.ts';
import { createReadSideForTest, type ReadSideForTest } from '../projections/test-support.ts';
import { startQueryApiForTest } from '../query-api/test-support.ts';
import { startTestServer, type TestServer } from './support/http.ts';
import { redisUrl } from './support/isolation.ts';

/** Distinctive values planted through the API, then searched for in every byte the system keeps. */
const planted = {
  email: 'quxplanted.person@example.org',
  first: 'Zephyrinella',
  last: 'Throgmortonshaw',
  phone: '+447700900456',
  street: '77 Quibblesworth Crescent',
};
const address = {
  street: planted.street,
  city: 'Ely',
  state: 'Cambs',
  postal_code: 'CB7 4AA',
  country: 'GB',
};
const password = 'Planted#Pass1';

describe('personal data: encrypted at rest, exported on request, erased by crypto-shredding', () => {
  let side: ReadSideForTest;
  let http: TestServer;
  let query: Awaited<ReturnType<typeof startQueryApiForTest>>;
  let sql: pg.Client;
  let scanRedis: RedisClient;
  const prefix = testTopicPrefix('privacy');
  const kafka = testKafka(kafkaTestBrokers(), pino({ level: 'silent' }), 'privacy-scan');
  let projections: ReturnType<typeof createProjectionService>;
  let publisher: ReturnType<typeof startPublisher>;
  let customer: { userId: string; token: string };
  let productId: string;

  const caughtUp = async (token?: string | null) => {
    const position = (token ? parsePosition(token) : await side.store.headPosition()) as Position;
    expect(await projections.waitFor(position, 20_000)).toBe(true);
    expect(await publisher.waitFor(position, 20_000)).toBe(true);
  };

  /** Every byte kept: the events table (data, metadata, stream names), Redis, Kafka. */
  async function everythingKept() {
    const rows = await sql.query<{ t: string }>(
      "SELECT string_agg(stream_name || ' ' || data::text || ' ' || metadata::text, E'\\n') AS t FROM messages",
    );
    const redisText: string[] = [];
    const keyPrefix = String(side.redis.options.keyPrefix);
    for await (const keys of scanRedis.scanStream({ match: `${keyPrefix}*`, count: 500 })) {
      for (const key of keys as string[]) {
        const type = await scanRedis.type(key);
        const value =
          type === 'string'
            ? await scanRedis.get(key)
            : type === 'hash'
              ? await scanRedis.hgetall(key)
              : type === 'set'
                ? await scanRedis.smembers(key)
                : type === 'zset'
                  ? await scanRedis.zrange(key, 0, -1)
                  : type === 'list'
                    ? await scanRedis.lrange(key, 0, -1)
                    : type === 'stream'
                      ? await scanRedis.xrange(key, '-', '+')
                      : null;
        redisText.push(key, JSON.stringify(value));
      }
    }
    const messages = await readTopics(kafka, allTopics(topicNames(prefix)));
    return {
      events: rows.rows[0]?.t ?? '',
      redis: redisText.join('\n'),
      kafka: JSON.stringify(messages),
      messages,
    };
  }
  const expectNothingPlanted = (kept: Record<string, unknown>) => {
    for (const [where, text] of Object.entries(kept)) {
      if (typeof text !== 'string') continue;
      for (const [what, value] of Object.entries(planted))
        expect(text.toLowerCase().includes(value.toLowerCase()), `${what} in ${where}`).toBe(false);
    }
  };

  beforeAll(async () => {
    side = await createReadSideForTest('privacy_scan');
    sql = new pg.Client({ connectionString: side.database.url });
    await sql.connect();
    scanRedis = new RedisClient(redisUrl);
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
    await migrateAudit(side.pool);
    query = await startQueryApiForTest(side, { store });
    projections = createProjectionService(side.deps, { pollIntervalMs: 50 } as never);
    projections.start();
    publisher = startPublisher({
      brokers: kafkaTestBrokers(),
      deps: side.deps,
      topicPrefix: prefix,
      partitions: 1,
    });
    await publisher.started;

    const admin = { email: 'admin@privacy.example.com', password: 'Admin#Pass123' };
    await bootstrapAdmin(
      { store, handler, hasher: createPasswordHasher(), clock: () => new Date(), logger, ids: randomIds },
      admin,
    );
    const adminToken = (await http.request('POST', '/api/v1/users/login', { body: admin })).body.access_token;
    const product = await http.request('POST', '/api/v1/products', {
      token: adminToken,
      body: { name: 'Plain Mug', description: 'A mug', price: 9.5, category: 'Kitchen', images: [] },
    });
    expect(product.status).toBe(201);
    productId = product.body.product_id as string;
    await http.request('POST', `/api/v1/inventory/${productId}/receive`, {
      token: adminToken,
      body: { quantity: 50 },
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
    const added = await http.request('POST', '/api/v1/cart/add', {
      token: customer.token,
      body: { product_id: productId, quantity: 1 },
    });
    expect(added.status).toBeLessThan(300);
    const order = await http.request('POST', '/api/v1/orders', {
      token: customer.token,
      body: {
        shipping_address: address,
        billing_address: address,
        payment_method: { type: 'card', token: 'tok_visa' },
      },
    });
    expect(order.status).toBe(201);
    await caughtUp(order.headers.get('x-consistency-token'));
  }, 120_000);

  afterAll(async () => {
    await publisher?.stop();
    await projections?.stop();
    await query?.close();
    await http?.close();
    await sql?.end();
    scanRedis?.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: allTopics(topicNames(prefix)) }).catch(() => undefined);
    await admin.disconnect();
    await side?.close();
  });

  it('keeps no email, name, phone or street in plain text in the events, Redis or Kafka', async () => {
    const kept = await everythingKept();
    expect(kept.events).toContain(`user-${customer.userId}`);
    expect(kept.messages.length).toBeGreaterThan(0);
    expectNothingPlanted(kept);
  });

  it('exports everything held about the caller, decrypted', async () => {
    const exported = await query.http.request('GET', '/api/v1/users/me/data', {
      token: query.token('customer', customer.userId),
    });
    expect(exported.status).toBe(200);
    expect(exported.body.profile).toMatchObject({
      email: planted.email,
      first_name: planted.first,
      phone: planted.phone,
    });
    expect(exported.body.orders).toHaveLength(1);
    expect(exported.body.addresses).toEqual([address]);
    expect(JSON.stringify(exported.body.events)).not.toMatch(/pd[12]\.|"personal_data"/);
    expect(JSON.stringify(exported.body)).not.toContain('argon2');
  });

  it('erases: login fails, personal fields read "[erased]" everywhere, the email can register again', async () => {
    const wrong = await http.request('DELETE', '/api/v1/users/me', {
      token: customer.token,
      body: { password: 'nope' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('AUTH_1001');
    const erased = await http.request('DELETE', '/api/v1/users/me', {
      token: customer.token,
      body: { password },
    });
    expect(erased.status).toBe(202);
    expect(erased.body).toMatchObject({ user_id: customer.userId, status: 'erased' });
    await caughtUp();

    const login = await http.request('POST', '/api/v1/users/login', {
      body: { email: planted.email, password },
    });
    expect(login.status).toBe(401);
    expect(login.body.error.code).toBe('AUTH_1001');

    const audit = await query.http.request('GET', `/api/v1/audit/streams/user-${customer.userId}`, {
      token: query.token('auditor'),
    });
    expect(audit.status).toBe(200);
    expect(JSON.stringify(audit.body)).toContain('[erased]');
    expectNothingPlanted({ audit: JSON.stringify(audit.body) });

    const orders = await query.http.request('GET', '/api/v1/orders', { token: query.token('admin') });
    const mine = orders.body.orders.find((o: { user_id: string }) => o.user_id === customer.userId);
    const detail = await query.http.request('GET', `/api/v1/orders/${mine.order_id}`, {
      token: query.token('admin'),
    });
    expect(detail.body.shipping_address).toMatchObject({ street: '[erased]', country: 'GB' });

    const kept = await everythingKept();
    expectNothingPlanted(kept);
    const erasures = kept.messages.filter(
      (m) => (m.value as { event_type?: string }).event_type === 'UserErased',
    );
    expect(erasures.map((m) => (m.value as { user_id: string }).user_id)).toEqual([customer.userId]);

    // Replay every read model from the first event: still nothing, and the orders model equals the fresh fold.
    for (const name of ['orders', 'cart']) {
      const { rebuildProjection } = await import('../projections/service.ts');
      await rebuildProjection(name, side.deps);
    }
    const afterReplay = await query.http.request('GET', `/api/v1/orders/${mine.order_id}`, {
      token: query.token('admin'),
    });
    expect(afterReplay.body).toEqual(detail.body);
    expectNothingPlanted(await everythingKept());

    // `npm run audit -- verify` reads the log as stored: every chain and fold still proves.
    const raw = await createPostgresEventStore({ connectionString: side.database.url, poolSize: 1 });
    try {
      await allVisible(sql);
      const decrypt = decryptor(personalDataOf(side.store).keys);
      const report = await verifyHistory({ store: raw, db: side.db, graceMs: 0, decrypt });
      expect(report.findings).toEqual([]);
    } finally {
      await raw.close();
    }

    const again = await http.request('POST', '/api/v1/users/register', {
      body: { email: planted.email, password, first_name: 'New', last_name: 'Person' },
    });
    expect(again.status).toBe(201);
    expect(again.body.user_id).not.toBe(customer.userId);
  }, 120_000);

  it("erasure racing the same customer's checkout leaves either a masked order or none, never plain data", async () => {
    for (let round = 0; round < 3; round++) {
      const email = `racer-${round}-${Date.now()}@example.org`;
      const registered = await http.request('POST', '/api/v1/users/register', {
        body: { email, password, first_name: planted.first, last_name: planted.last },
      });
      const token = (await http.request('POST', '/api/v1/users/login', { body: { email, password } })).body
        .access_token as string;
      const userId = registered.body.user_id as string;
      await http.request('POST', '/api/v1/cart/add', { token, body: { product_id: productId, quantity: 1 } });
      const [order, erasure] = await Promise.all([
        http.request('POST', '/api/v1/orders', {
          token,
          body: {
            shipping_address: address,
            billing_address: address,
            payment_method: { type: 'card', token: 'tok_visa' },
          },
        }),
        http.request('DELETE', '/api/v1/users/me', { token, body: { password } }),
      ]);
      expect(erasure.status).toBe(202);
      await caughtUp();
      const placed = await sql.query<{ stream_name: string }>(
        "SELECT stream_name FROM messages WHERE type = 'OrderPlaced' AND data->>'user_id' = $1",
        [userId],
      );
      if (order.status === 201) {
        // Placed before the key was destroyed: the order stays, paid, with its addresses erased.
        expect(placed.rows).toHaveLength(1);
        const detail = await query.http.request('GET', `/api/v1/orders/${order.body.order_id}`, {
          token: query.token('admin'),
        });
        expect(detail.body.status, JSON.stringify(detail.body)).toBe('confirmed');
        expect(detail.body.shipping_address.street).toBe('[erased]');
      } else {
        // Refused: no order was recorded and nobody was charged for one.
        expect([401, 404]).toContain(order.status);
        expect(placed.rows).toHaveLength(0);
        const charges = await sql.query(
          "SELECT count(*)::int AS n FROM sandbox_charges WHERE idempotency_key IN (SELECT data->>'order_id' FROM messages WHERE type = 'CheckoutOrderAttached' AND stream_name IN (SELECT stream_name FROM messages WHERE type = 'CheckoutStarted' AND data->>'user_id' = $1))",
          [userId],
        );
        expect(charges.rows[0].n).toBe(0);
      }
    }
    expectNothingPlanted(await everythingKept());
  }, 120_000);
});
