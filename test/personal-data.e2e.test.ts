import { Redis as RedisClient } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allVisible } from '../application/audit/test-fixtures.ts';
import { verifyHistory } from '../application/audit/verify/verify-history.ts';
import { topicNames } from '../application/integration-events/topics.ts';
import type { Position } from '../infra/eventstore/position.ts';
import { createPostgresEventStore } from '../infra/eventstore/postgres/store.ts';
import { kafkaTestBrokers } from '../infra/kafka/test-brokers.ts';
import { personalDataOf } from '../infra/privacy/personal-data.ts';
import { decryptor } from '../infra/privacy/with-personal-data.ts';
import { startPublisher } from '../projections/publisher/publisher.ts';
import { allTopics, readTopics, testKafka, testTopicPrefix } from '../projections/publisher/test-support.ts';
import { answer } from './api-client/clients.ts';
import { redisUrl } from './support/isolation.ts';
import { type PersonalDataShop, startPersonalDataShop } from './support/personal-data-shop.ts';

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
  let shop: PersonalDataShop;
  let scanRedis: RedisClient;
  const prefix = testTopicPrefix('privacy');
  const kafka = testKafka(kafkaTestBrokers(), pino({ level: 'silent' }), 'privacy-scan');
  let publisher: ReturnType<typeof startPublisher>;

  /** Waits until the projections and the publisher hold everything appended so far. */
  const caughtUp = async () => {
    const head = (await shop.side.store.headPosition()) as Position;
    await shop.projected();
    expect(await publisher.waitFor(head, 20_000)).toBe(true);
  };

  /** Every byte kept: the events table (data, metadata, stream names), Redis, Kafka. */
  async function everythingKept() {
    const redisText: string[] = [];
    const keyPrefix = String(shop.side.redis.options.keyPrefix);
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
      events: await shop.storedEvents(),
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
    shop = await startPersonalDataShop('privacy_scan', {
      email: planted.email,
      password,
      first_name: planted.first,
      last_name: planted.last,
      phone: planted.phone,
      address,
    });
    scanRedis = new RedisClient(redisUrl);
    publisher = startPublisher({
      brokers: kafkaTestBrokers(),
      deps: shop.side.deps,
      topicPrefix: prefix,
      partitions: 1,
    });
    await publisher.started;
    await caughtUp();
  }, 120_000);

  afterAll(async () => {
    await publisher?.stop();
    scanRedis?.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: allTopics(topicNames(prefix)) }).catch(() => undefined);
    await admin.disconnect();
    await shop?.close();
  });

  const login = (email: string, secret: string) =>
    answer(shop.as().POST('/api/v1/users/login', { body: { email, password: secret } }));
  const register = (email: string, first_name: string, last_name: string) =>
    answer(shop.as().POST('/api/v1/users/register', { body: { email, password, first_name, last_name } }));
  const eraseMe = (token: string, secret: string) =>
    answer(shop.as(token).DELETE('/api/v1/users/me', { body: { password: secret } }));
  const orderDetail = (order_id: string) =>
    answer(shop.reads('admin').GET('/api/v1/orders/{order_id}', { params: { path: { order_id } } }));

  it('keeps no email, name, phone or street in plain text in the events, Redis or Kafka', async () => {
    const kept = await everythingKept();
    expect(kept.events).toContain(`user-${shop.customer.userId}`);
    expect(kept.messages.length).toBeGreaterThan(0);
    expectNothingPlanted(kept);
  });

  it('exports everything held about the caller, decrypted', async () => {
    const exported = await answer(shop.reads('customer', shop.customer.userId).GET('/api/v1/users/me/data'));
    expect(exported.status).toBe(200);
    expect(exported.body.profile).toMatchObject({
      email: planted.email,
      first_name: planted.first,
      phone: planted.phone,
    });
    expect(exported.body.orders).toHaveLength(1);
    expect(exported.body.addresses).toEqual([address]);
    expect(JSON.stringify(exported.body.events)).not.toMatch(/pd[12]\.|"personal_data"/);
    expect(exported.text).not.toContain('argon2');
  });

  it('erases: login fails, personal fields read "[erased]" everywhere, the email can register again', async () => {
    const { customer } = shop;
    const wrong = await eraseMe(customer.token, 'nope');
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('AUTH_1001');
    // DELETE /users/me is the customer's (API.md); an admin erases others by id.
    const byAdmin = await eraseMe(shop.adminToken, 'whatever');
    expect({ status: byAdmin.status, code: byAdmin.body.error.code }).toEqual({
      status: 403,
      code: 'AUTH_1004',
    });
    // The customer's own words on a cancellation are theirs too (sealed under their key).
    const cancelled = await answer(
      shop.as(customer.token).POST('/api/v1/orders/{order_id}/cancel', {
        params: { path: { order_id: shop.orderId } },
        body: { reason: `moving, call ${planted.phone}` },
      }),
    );
    expect(cancelled.status).toBe(200);
    const erased = await eraseMe(customer.token, password);
    expect(erased.status).toBe(202);
    expect(erased.body).toMatchObject({ user_id: customer.userId, status: 'erased' });
    // A command's answer: the user stream's ETag and a consistency token to read the erasure with.
    expect(erased.headers.get('etag')).toMatch(/^"\d+"$/);
    await shop.projected(erased.headers.get('x-consistency-token') ?? 'missing');
    await caughtUp();

    const refused = await login(planted.email, password);
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('AUTH_1001');

    const audit = await answer(
      shop.reads('auditor').GET('/api/v1/audit/streams/{stream_name}', {
        params: { path: { stream_name: `user-${customer.userId}` } },
      }),
    );
    expect(audit.status).toBe(200);
    expect(audit.text).toContain('[erased]');
    expectNothingPlanted({ audit: audit.text });

    const detail = await orderDetail(shop.orderId);
    expect(detail.body.shipping_address).toMatchObject({ street: '[erased]', country: 'GB' });
    expect(detail.body.cancellation).toMatchObject({ cancelled_by: customer.userId, reason: '[erased]' });
    expectNothingPlanted({ order: detail.text });

    const kept = await everythingKept();
    expectNothingPlanted(kept);
    const erasures = kept.messages.filter(
      (m) => (m.value as { event_type?: string }).event_type === 'UserErased',
    );
    expect(erasures.map((m) => (m.value as { user_id: string }).user_id)).toEqual([customer.userId]);

    // Replay every read model from the first event: still nothing, and the orders model equals the fresh fold.
    for (const name of ['orders', 'cart']) {
      const { rebuildProjection } = await import('../projections/service.ts');
      await rebuildProjection(name, shop.side.deps);
    }
    const afterReplay = await orderDetail(shop.orderId);
    expect(afterReplay.body).toEqual(detail.body);
    expectNothingPlanted(await everythingKept());

    // `npm run audit -- verify` reads the log as stored: every chain and fold still proves.
    const raw = await createPostgresEventStore({ connectionString: shop.side.database.url, poolSize: 1 });
    try {
      await allVisible(shop.sql);
      const decrypt = decryptor(personalDataOf(shop.side.store).keys);
      const report = await verifyHistory({ store: raw, db: shop.side.db, graceMs: 0, decrypt });
      expect(report.findings).toEqual([]);
    } finally {
      await raw.close();
    }

    const again = await register(planted.email, 'New', 'Person');
    expect(again.status).toBe(201);
    expect(again.body.user_id).not.toBe(customer.userId);
  }, 120_000);

  it("erasure racing the same customer's checkout leaves either a masked order or none, never plain data", async () => {
    for (let round = 0; round < 3; round++) {
      const email = `racer-${round}-${Date.now()}@example.org`;
      const registered = await register(email, planted.first, planted.last);
      const token = (await login(email, password)).body.access_token;
      const userId = registered.body.user_id;
      await shop.addToCart(token);
      const [order, erasure] = await Promise.all([shop.placeOrder(token), eraseMe(token, password)]);
      expect(erasure.status).toBe(202);
      await caughtUp();
      const placed = await shop.sql.query<{ stream_name: string }>(
        "SELECT stream_name FROM messages WHERE type = 'OrderPlaced' AND data->>'user_id' = $1",
        [userId],
      );
      if (order.status === 201) {
        // Placed before the key was destroyed: the order stays, paid, with its addresses erased.
        expect(placed.rows).toHaveLength(1);
        const detail = await orderDetail(order.body.order_id);
        expect(detail.body.status, JSON.stringify(detail.body)).toBe('confirmed');
        expect(detail.body.shipping_address.street).toBe('[erased]');
      } else {
        // Refused: no order was recorded and nobody was charged for one.
        expect([401, 404]).toContain(order.status);
        expect(placed.rows).toHaveLength(0);
        const charges = await shop.sql.query(
          "SELECT count(*)::int AS n FROM sandbox_charges WHERE idempotency_key IN (SELECT data->>'order_id' FROM messages WHERE type = 'CheckoutOrderAttached' AND stream_name IN (SELECT stream_name FROM messages WHERE type = 'CheckoutStarted' AND data->>'user_id' = $1))",
          [userId],
        );
        expect(charges.rows[0].n).toBe(0);
      }
    }
    expectNothingPlanted(await everythingKept());
  }, 120_000);
});
