import pg from 'pg';
import { pino } from 'pino';
import { type Config, loadConfig } from '../infra/config.ts';
import { composeStore } from '../infra/eventstore/decorate-store.ts';
import type { EventStore } from '../infra/eventstore/port.ts';
import { type Position, positionToString } from '../infra/eventstore/position.ts';
import { createPostgresEventStore } from '../infra/eventstore/postgres/store.ts';
import { openPersonalData } from '../infra/privacy/personal-data.ts';
import { createRedis, deleteKeysWithPrefix } from '../infra/redis/client.ts';
import { answer, commandClient } from '../test/api-client/clients.ts';
import { startTestServer, type TestServer } from '../test/support/http.ts';
import { createTestDatabase, redisUrl, testKeyPrefix } from '../test/support/isolation.ts';
import { type CommandApiOptions, commandApiContext, createCommandApi } from './app.ts';
import { bootstrapAdmin } from './identity/bootstrap-admin.ts';

export const TEST_JWT_SECRET = 'command-api-test-secret-0123456789abcdef';

/**
 * A command API for one e2e test file: its own PostgreSQL database (real PostgreSQL event store),
 * its own Redis key prefix, listening on a free port. Rate limits are off unless `env` turns them on.
 */
export async function startCommandApiForTest(
  label: string,
  env: Record<string, string> = {},
  options: Partial<CommandApiOptions> & {
    /** The store the API writes through, wrapped (a test that fails some appends on purpose). */
    wrapStore?: (store: EventStore) => EventStore;
  } = {},
) {
  const db = await createTestDatabase(label);
  const composed = composeStore(await createPostgresEventStore({ connectionString: db.url, poolSize: 4 }), {
    personalData: await openPersonalData({ connectionString: db.url, poolSize: 2 }),
  });
  const { wrapStore, ...apiOptions } = options;
  const store = wrapStore ? wrapStore(composed) : composed;
  const redis = createRedis({ url: redisUrl, keyPrefix: testKeyPrefix(label) });
  const config: Config = loadConfig({
    NODE_ENV: 'test',
    JWT_SECRET: TEST_JWT_SECRET,
    RATE_LIMIT_AUTH_PER_MIN: '0',
    RATE_LIMIT_CHECKOUT_PER_MIN: '0',
    RATE_LIMIT_GENERAL_PER_MIN: '0',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const app = createCommandApi({ store, redis, config, logger, ...apiOptions });
  const context = commandApiContext({ store, redis, config, logger, ...apiOptions });
  const http: TestServer = await startTestServer(app);
  const sql = new pg.Pool({ connectionString: db.url, max: 1 });
  return {
    http,
    store,
    redis,
    config,
    db,
    context,
    /** Creates the bootstrap admin (as bin/start does) and logs it in. */
    async admin(email = 'admin@example.com', password = 'Admin#Pass1') {
      await bootstrapAdmin(context, { email, password });
      const login = await answer(
        commandClient(http.url).POST('/api/v1/users/login', { body: { email, password } }),
      );
      if (login.status !== 200) throw new Error(`admin login failed: ${login.status} ${login.text}`);
      return { userId: login.body.user.user_id, accessToken: login.body.access_token };
    },
    /**
     * What the log holds, as a string to compare before/after a request ("nothing appended"): the
     * number of events and the newest global position, read exactly. store.headPosition() is not
     * used here: it only shows events below the cluster-wide transaction horizon, so it can move
     * later on its own while other databases on the cluster hold transactions open.
     */
    head: async () => {
      const { rows } = await sql.query<{ n: string; last: string | null }>(
        'SELECT count(*) AS n, max(global_position) AS last FROM messages',
      );
      return `${rows[0]?.n}@${rows[0]?.last ?? 'none'}`;
    },
    /** The store's visible head (the X-Consistency-Token form). */
    visibleHead: async () => positionText(await store.headPosition()),
    async close() {
      await http.close();
      await sql.end();
      await store.close();
      await deleteKeysWithPrefix(redis).catch(() => 0);
      redis.disconnect();
      await db.drop();
    },
  };
}

const positionText = (position: Position | undefined) => (position ? positionToString(position) : 'empty');

export type CommandApiForTest = Awaited<ReturnType<typeof startCommandApiForTest>>;

/** Registers and logs in a customer; returns its tokens and ids. */
export async function signUp(
  http: TestServer,
  overrides: { email?: string; password?: string } = {},
): Promise<{ userId: string; email: string; password: string; accessToken: string; refreshToken: string }> {
  const email = overrides.email ?? `user-${Math.random().toString(36).slice(2)}@example.com`;
  const password = overrides.password ?? 'Secret#123';
  const client = commandClient(http.url);
  const registered = await answer(
    client.POST('/api/v1/users/register', {
      body: { email, password, first_name: 'Test', last_name: 'User' },
    }),
  );
  if (registered.status !== 201) throw new Error(`register failed: ${registered.status} ${registered.text}`);
  const login = await answer(client.POST('/api/v1/users/login', { body: { email, password } }));
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${login.text}`);
  return {
    userId: registered.body.user_id,
    email,
    password,
    accessToken: login.body.access_token,
    refreshToken: login.body.refresh_token,
  };
}

export type { EventStore };
