import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { createCheckpointPublisher } from '../application/projection-runner/checkpoint-channel.ts';
import { migrateProjections } from '../application/projection-runner/migrate.ts';
import type { RunnerDeps } from '../application/projection-runner/runner.ts';
import { composeStore } from '../infra/eventstore/decorate-store.ts';
import type { EventStore } from '../infra/eventstore/port.ts';
import { createPostgresEventStore } from '../infra/eventstore/postgres/store.ts';
import { createPool } from '../infra/postgres/pool.ts';
import { openPersonalData } from '../infra/privacy/personal-data.ts';
import { createRedis, deleteKeysWithPrefix } from '../infra/redis/client.ts';
import { createMetrics } from '../infra/telemetry/metrics.ts';
import { createTestDatabase, redisUrl, testKeyPrefix } from '../test/support/isolation.ts';
import { createReadModelDb } from './read-model-db.ts';

/**
 * The read side's dependencies for one int test file: its own database (event store and read models),
 * its own Redis key prefix, the real PostgreSQL event store, the runner tables migrated.
 */
export async function createReadSideForTest(
  label: string,
  options: { keyPrefix?: (databaseUrl: string) => string } = {},
) {
  const database = await createTestDatabase(label);
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const pool = createPool({ connectionString: database.url, max: 8, applicationName: 'read-side-test' });
  const store = composeStore(
    await createPostgresEventStore({
      connectionString: database.url,
      poolSize: 4,
      pollIntervalMs: 50,
    }),
    { personalData: await openPersonalData({ connectionString: database.url, poolSize: 2 }) },
  );
  const db = createReadModelDb(pool, logger);
  await migrateProjections(pool, logger);
  const redis = createRedis({
    url: redisUrl,
    keyPrefix: options.keyPrefix?.(database.url) ?? testKeyPrefix(label),
  });
  const metrics = createMetrics({ runtime: false });
  const deps: RunnerDeps = {
    store,
    db,
    leaseClientConfig: { connectionString: database.url },
    redis,
    publisher: createCheckpointPublisher(redis, logger),
    metrics,
    logger,
  };
  return {
    database,
    pool,
    store,
    db,
    redis,
    metrics,
    logger,
    deps,
    async close() {
      await store.close();
      await db.destroy();
      await deleteKeysWithPrefix(redis).catch(() => 0);
      redis.disconnect();
      await database.drop();
    },
  };
}

export type ReadSideForTest = Awaited<ReturnType<typeof createReadSideForTest>>;

/** Appends one event to a stream (any revision) and returns its position. */
export async function appendEvent(
  store: EventStore,
  stream: string,
  type: string,
  data: Record<string, unknown>,
) {
  const result = await store.appendToStream(stream, [{ id: randomUUID(), type, data }], {
    expectedRevision: 'any',
  });
  return result.position;
}

const listedAt = '2026-01-15T10:00:00.000Z';

/** A ProductListed event's data, with overrides. Money in minor units. */
export const productListedData = (productId: string, overrides: Record<string, unknown> = {}) => ({
  schema_version: 1,
  product_id: productId,
  name: `Product ${productId}`,
  description: null,
  long_description: null,
  category: 'Misc',
  subcategory: null,
  brand: null,
  sku: null,
  images: [],
  specifications: {},
  price: 1000,
  currency: 'USD',
  listed_at: listedAt,
  ...overrides,
});

export const stockReceivedData = (productId: string, quantity: number, onHand: number, reserved = 0) => ({
  schema_version: 1,
  product_id: productId,
  quantity,
  on_hand: onHand,
  reserved,
});
