import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import express from 'express';
import type { Redis } from 'ioredis';
import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toJsonValue } from '../../application/audit/json-value.ts';
import { allVisible, ev, order, stock } from '../../application/audit/test-fixtures.ts';
import { stockDecider } from '../../domain/inventory/stock.ts';
import { fold } from '../../domain/shared/decider.ts';
import { DomainError, ErrorCode } from '../../domain/shared/errors.ts';
import { migrateAudit } from '../../infra/audit/migrate.ts';
import type { Authenticator } from '../../infra/auth/authenticator.ts';
import { withHashChain } from '../../infra/eventstore/hash-chain/with-hash-chain.ts';
import type { EventStore } from '../../infra/eventstore/port.ts';
import { createPostgresEventStore } from '../../infra/eventstore/postgres/store.ts';
import { authenticate } from '../../infra/http/auth.ts';
import { errorHandler, notFoundHandler } from '../../infra/http/error-handler.ts';
import { requestContext } from '../../infra/http/request-context.ts';
import { createPool } from '../../infra/postgres/pool.ts';
import { createRedis } from '../../infra/redis/client.ts';
import { startTestServer, type TestServer } from '../../test/support/http.ts';
import { createTestDatabase, redisUrl, testKeyPrefix } from '../../test/support/isolation.ts';
import { createQueryAdmission } from '../admission.ts';
import type { RouteContext } from '../route-context.ts';
import { mountQueryRoutes } from '../routing.ts';
import { auditRoutes } from './audit-routes.ts';

// Tokens are resolved by a fixed table here: this file tests the audit routes, not token verification.
const users: Record<string, { userId: string; role: 'customer' | 'admin' | 'auditor' }> = {
  auditor: { userId: 'usr_auditor', role: 'auditor' },
  admin: { userId: 'usr_admin', role: 'admin' },
  customer: { userId: 'usr_customer', role: 'customer' },
};
const verify = (header: string | undefined) => {
  const found = users[header?.replace(/^Bearer /, '') ?? ''];
  if (!found) throw new DomainError(ErrorCode.TokenInvalid, 'bad token');
  return { ...found, claims: { jti: `jti-${found.userId}`, fam: `fam-${found.userId}` } as never };
};
const authenticator: Authenticator = Object.assign(async (header: string | undefined) => verify(header), {
  verify,
});

const P = 'prd_lamp';
const RSV = 'rsv_1';
const ORD = 'ord_1';

describe('audit routes', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let raw: EventStore;
  let store: EventStore;
  // biome-ignore lint/suspicious/noExplicitAny: the shared read-model database is untyped (each module has its tables)
  let db: Kysely<any>;
  let pool: pg.Pool;
  let redis: Redis;
  let http: TestServer;
  const get = (path: string, token = 'auditor') => http.request('GET', `/api/v1${path}`, { token });

  beforeAll(async () => {
    database = await createTestDatabase('audit_routes');
    raw = await createPostgresEventStore({ connectionString: database.url, poolSize: 4 });
    store = withHashChain(raw);
    pool = createPool({ connectionString: database.url, max: 4 });
    await migrateAudit(pool);
    // biome-ignore lint/suspicious/noExplicitAny: the shared read-model database is untyped (each module has its tables)
    db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
    const logger = pino({ level: 'silent' });
    const app = express();
    app.use(requestContext({ logger }));
    redis = createRedis({ url: redisUrl, keyPrefix: testKeyPrefix('audit-routes') });
    // The audit routes use only these of the query API's context (no read model: no watcher).
    const admission = createQueryAdmission({
      redis,
      authenticator,
      limit: { name: 'rl:query', perMinute: 0, key: () => '-' },
    });
    const context = {
      store,
      db,
      admission,
      authenticate: authenticate(authenticator),
    } as unknown as RouteContext;
    app.use('/api/v1', mountQueryRoutes(context, [auditRoutes]));
    app.use(notFoundHandler);
    app.use(errorHandler({ clock: () => new Date() }));
    http = await startTestServer(app);

    await store.appendToStream(`stock-${P}`, [stock.received(P, 10, 10)]);
    await sleep(20);
    await store.appendToStream(`stock-${P}`, [stock.reserved(P, RSV, 2, 10, 2)]);
    await sleep(20);
    await store.appendToStream(`stock-${P}`, [stock.committed(P, RSV, 2, 8, 0)]);
    await store.appendToStream(`order-${ORD}`, [order.placed(ORD, P, RSV), order.confirmed(ORD)]);
    await store.appendToStream(`order-${ORD}`, [order.cancelled(ORD, RSV, 2000), order.refunded(ORD, 2000)]);
    await store.appendToStream(`stock-${P}`, [
      {
        ...stock.returned(P, RSV, 2, 10, 0),
        metadata: { ...stock.returned(P, RSV, 2, 10, 0).metadata, correlation_id: 'req_cancel' },
      },
    ]);
    await store.appendToStream('credentials-usr_customer', [
      ev('PasswordSet', {
        user_id: 'usr_customer',
        password_hash: '$argon2id$secret',
        set_at: '2026-01-15T10:00:00.000Z',
      }),
    ]);
    await allVisible(pool);
  });
  afterAll(async () => {
    await http?.close();
    redis?.disconnect();
    await db.destroy();
    await raw.close();
    await database.drop();
  });

  it("lists a stream's events in order with their metadata; revisions and positions are strings", async () => {
    const res = await get(`/audit/streams/stock-${P}`);
    expect(res.status).toBe(200);
    expect(res.body.events.map((e: { type: string }) => e.type)).toEqual([
      'StockReceived',
      'StockReserved',
      'ReservationCommitted',
      'CommittedStockReturned',
    ]);
    const first = res.body.events[0];
    expect(first).toMatchObject({ revision: '0', stream_name: `stock-${P}` });
    expect(first.position).toMatch(/^\d+\.\d+$/);
    expect(first.metadata).toMatchObject({ correlation_id: 'req_seed', user_id: 'usr_admin' });
    expect(first.metadata.hash).toMatch(/^[0-9a-f]{64}$/);
    const page = await get(`/audit/streams/stock-${P}?from_revision=1&limit=2`);
    expect(page.body.events.map((e: { revision: string }) => e.revision)).toEqual(['1', '2']);
    expect(page.body.next_from_revision).toBe('3');
  });

  it('refuses a customer with 403 AUTH_1004, and records the attempt', async () => {
    const res = await get(`/audit/streams/stock-${P}`, 'customer');
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('AUTH_1004');
    expect((await http.request('GET', '/api/v1/audit/events')).status).toBe(401);
    const log = await get('/audit/access-log?user_id=usr_customer');
    expect(log.body.entries.at(-1)).toMatchObject({
      user_id: 'usr_customer',
      role: 'customer',
      allowed: false,
    });
  });

  it('records every audit request: who, what, when, from where', async () => {
    await get('/audit/events?limit=2', 'admin');
    const log = await get('/audit/access-log?user_id=usr_admin');
    const entry = log.body.entries.at(-1);
    expect(entry).toMatchObject({
      user_id: 'usr_admin',
      role: 'admin',
      allowed: true,
      channel: 'http',
      method: 'GET',
      path: '/api/v1/audit/events',
      query: { limit: '2' },
    });
    expect(entry.ip).toBeTruthy();
    expect(Date.parse(entry.at)).toBeGreaterThan(Date.now() - 60_000);
    expect(entry.request_id).toMatch(/^req_/);
    // The access log itself is append-only.
    await expect(db.deleteFrom('audit_access_log').execute()).rejects.toThrow(/append-only/);
    await expect(db.updateTable('audit_access_log').set({ role: 'x' }).execute()).rejects.toThrow(
      /append-only/,
    );
  });

  it('pages the global log by position with a next cursor, filters by type and by correlation id', async () => {
    const all: { type: string; position: string }[] = [];
    let after = '';
    for (let i = 0; i < 20; i++) {
      const res = await get(`/audit/events?limit=3${after ? `&after=${after}` : ''}`);
      expect(res.status).toBe(200);
      all.push(...res.body.events);
      after = res.body.next;
      if (res.body.is_end) break;
    }
    expect(all.map((e) => e.type)).toEqual([
      'StockReceived',
      'StockReserved',
      'ReservationCommitted',
      'OrderPlaced',
      'OrderConfirmed',
      'OrderCancelled',
      'OrderRefunded',
      'CommittedStockReturned',
    ]);
    const cancels = await get('/audit/events?types=OrderCancelled,OrderRefunded');
    expect(cancels.body.events.map((e: { type: string }) => e.type)).toEqual([
      'OrderCancelled',
      'OrderRefunded',
    ]);
    const story = await get('/audit/events?correlation_id=req_cancel');
    expect(story.body.events.map((e: { stream_name: string }) => e.stream_name)).toEqual([
      `order-${ORD}`,
      `order-${ORD}`,
      `stock-${P}`,
    ]);
  });

  it('never lists a secret stream or event', async () => {
    expect((await get('/audit/streams/credentials-usr_customer')).status).toBe(404);
    const bodies = [
      (await get('/audit/events?limit=1000')).text,
      (await get('/audit/events?types=PasswordSet')).text,
      (await get('/audit/events?correlation_id=req_seed')).text,
    ];
    for (const body of bodies) {
      expect(body).not.toContain('PasswordSet');
      expect(body).not.toContain('argon2');
      expect(body).not.toContain('credentials-');
    }
  });

  it('folds state as of a time between two events, and as of a revision, to the fold of the earlier prefix', async () => {
    const events = await raw.readStream(`stock-${P}`);
    const [e0, e1] = events;
    const between = new Date((e0!.recordedAt.getTime() + e1!.recordedAt.getTime()) / 2).toISOString();
    const expected = toJsonValue(fold(stockDecider, [{ type: e0!.type, data: e0!.data }] as never));
    const byTime = await get(`/audit/stock/${P}/state?as_of=${encodeURIComponent(between)}`);
    expect(byTime.status).toBe(200);
    expect(byTime.body).toMatchObject({ revision: '0', stream_name: `stock-${P}`, as_of: { time: between } });
    expect(byTime.body.state).toEqual(expected);
    const byRevision = await get(`/audit/stock/${P}/state?as_of=0`);
    expect(byRevision.body.state).toEqual(expected);
    expect(byRevision.body.revision).toBe('0');
    const two = await get(`/audit/stock/${P}/state?as_of=2`);
    expect(two.body.state).toMatchObject({
      onHand: 8,
      reserved: 0,
      // Settled reservations sit in the state's bounded window (domain/inventory/reservation-book.ts).
      reservations: { settled: [{ [RSV]: { status: 'committed' } }] },
    });
    const now = await get(`/audit/order/${ORD}/state`);
    expect(now.body.state).toMatchObject({ status: 'cancelled', cancellation: { by: 'usr_admin' } });
    const before = await get(`/audit/stock/${P}/state?as_of=2020-01-01T00:00:00Z`);
    expect(before.body).toMatchObject({ revision: null, events_folded: 0 });
  });

  it('answers 400 VAL_2001 for bad params and 404 RES_3001 for what does not exist', async () => {
    for (const path of [
      '/audit/events?after=abc',
      '/audit/events?limit=0',
      '/audit/events?types=not-a-type',
      `/audit/streams/stock-${P}?from_revision=-1`,
      `/audit/stock/${P}/state?as_of=yesterday`,
      `/audit/warehouse/${P}/state`,
      '/audit/order/prd_x/state',
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(400);
      expect(res.body.error.code, path).toBe('VAL_2001');
    }
    for (const path of [
      `/audit/streams/stock-prd_${randomUUID()}`,
      '/audit/order/ord_unknown/state',
      `/audit/stock/${P}/state?as_of=99`,
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.body.error.code, path).toBe('RES_3001');
    }
  });
});
