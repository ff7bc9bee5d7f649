import { pino } from 'pino';
import { createCheckpointPublisher } from '../../application/projection-runner/checkpoint-channel.ts';
import { migrateProjections } from '../../application/projection-runner/migrate.ts';
import { migrateAudit } from '../../infra/audit/migrate.ts';
import { positionToString } from '../../infra/eventstore/position.ts';
import { createPool } from '../../infra/postgres/pool.ts';
import { createMetrics } from '../../infra/telemetry/metrics.ts';
import { createReadModelDb } from '../../projections/read-model-db.ts';
import { createProjectionService } from '../../projections/service.ts';
import type { ReadSideForTest } from '../../projections/test-support.ts';
import { startQueryApiForTest } from '../../query-api/test-support.ts';
import type { CommandApiForTest } from '../test-support.ts';

/**
 * Test-only: the read side of a command API under test (projections and the query API on the same
 * database and Redis prefix), so an e2e test can write through one API and read through the other.
 */
export async function startReadSideFor(api: CommandApiForTest, options: { auditAndExport?: boolean } = {}) {
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const pool = createPool({ connectionString: api.db.url, max: 4, applicationName: 'e2e-read-side' });
  const db = createReadModelDb(pool, logger);
  await migrateProjections(pool, logger);
  const metrics = createMetrics({ runtime: false });
  const publisher = createCheckpointPublisher(api.redis, logger);
  const service = createProjectionService(
    {
      store: api.store,
      db,
      leaseClientConfig: { connectionString: api.db.url },
      redis: api.redis,
      publisher,
      metrics,
      logger,
    },
    { leaseRetryMs: 50, heartbeatMs: 100 },
  );
  service.start();
  // The audit endpoints and the personal data export read the event store (and the access log table).
  if (options.auditAndExport) await migrateAudit(pool, logger);
  const query = await startQueryApiForTest(
    { db, redis: api.redis, logger, metrics } as unknown as ReadSideForTest,
    options.auditAndExport ? { store: api.store } : {},
  );
  /** Waits until every projection has caught up with the store's head; the header that reads it. */
  async function caughtUp(): Promise<Record<string, string>> {
    const head = await api.store.headPosition();
    if (head && !(await service.waitFor(head, 15_000))) throw new Error('projections did not catch up');
    // The query API's own view of the checkpoints may lag the service's: read-your-writes on the head.
    return head ? { 'X-Consistency-Token': positionToString(head) } : {};
  }
  return {
    query,
    caughtUp,
    async close() {
      await query.close();
      await service.stop();
      await db.destroy();
    },
  };
}
