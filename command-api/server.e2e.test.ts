import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../infra/config.ts';
import { composeStore } from '../infra/eventstore/decorate-store.ts';
import { createPostgresEventStore } from '../infra/eventstore/postgres/store.ts';
import { openPersonalData } from '../infra/privacy/personal-data.ts';
import { createRedis, deleteKeysWithPrefix } from '../infra/redis/client.ts';
import { answer, commandClient } from '../test/api-client/clients.ts';
import { createTestDatabase, redisUrl, testKeyPrefix } from '../test/support/isolation.ts';
import { emailStreamFor } from './identity/register-user.ts';
import { startCommandApi } from './server.ts';

describe('startCommandApi', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const keyPrefix = testKeyPrefix('cmd_server');
  beforeAll(async () => {
    db = await createTestDatabase('cmd_server');
  });
  afterAll(async () => {
    const cleaner = createRedis({ url: redisUrl, keyPrefix });
    await deleteKeysWithPrefix(cleaner);
    cleaner.disconnect();
    await db?.drop();
  });

  const start = async () => {
    const store = composeStore(await createPostgresEventStore({ connectionString: db.url, poolSize: 2 }), {
      personalData: await openPersonalData({ connectionString: db.url, poolSize: 1 }),
    });
    const redis = createRedis({ url: redisUrl, keyPrefix });
    const config = loadConfig({
      NODE_ENV: 'test',
      JWT_SECRET: 'server-test-secret-0123456789abcdefghij',
      BOOTSTRAP_ADMIN_EMAIL: 'Boss@Example.com',
      BOOTSTRAP_ADMIN_PASSWORD: 'Boss#Pass123',
    });
    const server = await startCommandApi({
      store,
      redis,
      config,
      logger: pino({ level: 'silent' }),
      port: 0,
    });
    return { server, store, redis };
  };

  // Through the client generated from docs/openapi/command-api.json (test/api-client/response-check.ts).
  const logIn = (url: string) =>
    answer(
      commandClient(url).POST('/api/v1/users/login', {
        body: { email: 'boss@example.com', password: 'Boss#Pass123' },
      }),
    );

  it('creates the bootstrap admin once across restarts, and closes its store and Redis on close', async () => {
    const first = await start();
    const login = await logIn(first.server.url);
    expect(login.status).toBe(200);
    expect(login.body.user.role).toBe('admin');
    await first.server.close();
    expect(first.redis.status).toBe('end');
    await expect(first.store.headPosition()).rejects.toThrow();

    const second = await start();
    try {
      expect(await second.store.readStream(emailStreamFor(second.store, 'boss@example.com'))).toHaveLength(1);
      const again = await logIn(second.server.url);
      expect(again.body.user.user_id).toBe(login.body.user.user_id);
    } finally {
      await second.server.close();
    }
  });
});
