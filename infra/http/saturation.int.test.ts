import { randomBytes } from 'node:crypto';
import express from 'express';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandApi } from '../../command-api/app.ts';
import { type CommandApiForTest, startCommandApiForTest } from '../../command-api/test-support.ts';
import { assertErrorBody, startTestServer, type TestServer } from '../../test/support/http.ts';
import { adminUrl } from '../../test/support/isolation.ts';
import { createPool } from '../postgres/pool.ts';
import { createRedis } from '../redis/client.ts';
import { errorHandler } from './error-handler.ts';
import { requestContext } from './request-context.ts';

/**
 * Issue 12: PostgreSQL or Redis saturation answered 500. Each case makes the real dependency refuse
 * (a role over its connection limit: SQLSTATE 53300; a full pool; a Redis nobody listens on) and expects
 * 503 SYS_5002 with Retry-After.
 */
const role = `sat_${randomBytes(4).toString('hex')}`;
let command: CommandApiForTest;
let probe: TestServer;
let deadRedisApi: TestServer;
const closers: (() => Promise<unknown>)[] = [];

const asAdmin = async (text: string) => {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
};

beforeAll(async () => {
  command = await startCommandApiForTest('saturation');
  await asAdmin(`CREATE ROLE ${role} LOGIN CONNECTION LIMIT 0`);
  const limited = new URL(command.db.url);
  limited.username = role;
  const refusing = createPool({ connectionString: limited.toString(), max: 1 });
  const full = createPool({ connectionString: command.db.url, max: 1, connectionTimeoutMs: 300 });
  const held = await full.connect(); // the pool's only connection, never given back during the test
  const deadRedis = createRedis({ url: 'redis://127.0.0.1:1' });
  closers.push(
    () => refusing.end(),
    async () => {
      held.release();
      await full.end();
    },
    async () => deadRedis.disconnect(),
  );
  const app = express();
  app.use(requestContext({ logger: pino({ level: 'silent' }) }));
  app.get('/too-many-clients', async (_req, res) => {
    res.json(await refusing.query('SELECT 1'));
  });
  app.get('/pool-timeout', async (_req, res) => {
    res.json(await full.query('SELECT 1'));
  });
  app.get('/redis-down', async (_req, res) => {
    res.json(await deadRedis.get('anything'));
  });
  app.use(errorHandler({ clock: () => new Date() }));
  probe = await startTestServer(app);
  // The real command API over a Redis that is down: Idempotency-Key needs it.
  const api = createCommandApi({
    store: command.store,
    redis: deadRedis,
    config: command.config,
    logger: pino({ level: 'silent' }),
  });
  deadRedisApi = await startTestServer(api);
  closers.unshift(() => deadRedisApi.close());
});

afterAll(async () => {
  await probe?.close();
  for (const close of closers) await close().catch(() => {});
  await command?.close();
  await asAdmin(`DROP ROLE IF EXISTS ${role}`).catch(() => {});
});

const unavailable = (response: Awaited<ReturnType<TestServer['request']>>) => {
  assertErrorBody(response, 503, 'SYS_5002');
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
};

describe('a saturated or unreachable dependency is 503 SYS_5002 with Retry-After', () => {
  it('PostgreSQL refusing a connection: too many connections (53300)', async () => {
    unavailable(await probe.request('GET', '/too-many-clients'));
  });

  it('a pool with no free connection within its timeout', async () => {
    unavailable(await probe.request('GET', '/pool-timeout'));
  });

  it('Redis down', async () => {
    unavailable(await probe.request('GET', '/redis-down'));
  });

  it('a command whose Idempotency-Key cannot be recorded because Redis is down, appending nothing', async () => {
    const before = await command.head();
    const response = await deadRedisApi.request('POST', '/api/v1/users/register', {
      body: { email: 'redis-down@example.com', password: 'Secret#123', first_name: 'R', last_name: 'D' },
      headers: { 'idempotency-key': 'k-1' },
    });
    unavailable(response);
    expect(await command.head()).toBe(before);
  });
});
