import { Router } from 'express';
import type { Redis } from 'ioredis';
import { sql } from 'kysely';
import type { CheckpointWatcher } from '../../application/projection-runner/checkpoint-watcher.ts';
import type { ReadModelDb } from '../../application/projection-runner/types.ts';
import { dependencyChecks } from '../../infra/http/health.ts';
import type { Logger } from '../../infra/logger.ts';
import { pingRedis } from '../../infra/redis/client.ts';

/** A runner that has not spoken for this long is reported as not running. */
const HEARTBEAT_STALE_MS = 5_000;

/** Another part of the process /ready reports (e.g. the Kafka publisher): `ok` false → degraded. */
export type ReadinessComponent = { name: string; ready: () => { ok: boolean; status?: unknown } };

/**
 * /health: alive. /ready: PostgreSQL and Redis, and every read model this API serves with its runner's
 * state, generation, position, lag and parked events. Down dependencies or a read model that does not
 * exist yet → 503; parked events or a silent runner → 200 with status `degraded` (taking the API out of
 * rotation would not help: it still serves what it has).
 */
export function healthRoutes(deps: {
  db: ReadModelDb;
  redis: Redis;
  watcher: CheckpointWatcher;
  readModels: readonly string[];
  components?: readonly ReadinessComponent[];
  logger: Logger;
}): Router {
  const router = Router();
  const check = dependencyChecks(deps.logger);
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok', service: 'query-api' });
  });
  router.get('/ready', async (_req, res) => {
    // The parked counts are the PostgreSQL check itself, so they answer within its deadline too.
    let parkedCounts = new Map<string, number>();
    const { postgres, redis } = await check([
      {
        name: 'postgres',
        check: async () => {
          const rows = await sql<{ projection: string; parked: string }>`
            SELECT d.projection, count(*) AS parked FROM projection_dead_letters d
            JOIN projection_generations g ON g.projection = d.projection AND g.serving = d.generation
            GROUP BY d.projection`.execute(deps.db);
          parkedCounts = new Map(rows.rows.map((r) => [r.projection, Number(r.parked)]));
        },
      },
      { name: 'redis', check: () => pingRedis(deps.redis) },
    ]);
    let missing = false;
    let degraded = false;
    const projections: Record<string, unknown> = {};
    for (const name of deps.readModels) {
      const state = deps.watcher.state(name);
      if (!state) {
        missing = true;
        projections[name] = { state: 'missing' };
        continue;
      }
      const heard = state.heardAt !== undefined && Date.now() - state.heardAt < HEARTBEAT_STALE_MS;
      const runnerState = heard ? (state.status?.state ?? 'unknown') : 'not_running';
      const parked = parkedCounts.get(name) ?? 0;
      if (parked > 0 || !['live', 'catching-up'].includes(runnerState)) degraded = true;
      projections[name] = {
        state: parked > 0 ? 'degraded' : runnerState,
        runner: runnerState,
        generation: state.generation,
        position: state.position ? `${state.position.commit}.${state.position.prepare}` : null,
        lag_ms: heard ? (state.status?.lagMs ?? 0) : null,
        parked,
        ...(state.status?.lastError ? { last_error: state.status.lastError } : {}),
      };
    }
    const components: Record<string, unknown> = {};
    for (const component of deps.components ?? []) {
      const { ok, status } = component.ready();
      if (!ok) degraded = true;
      components[component.name] = { status: ok ? 'up' : 'down', ...(status ? { detail: status } : {}) };
    }
    const down = postgres.status !== 'up' || redis.status !== 'up' || missing;
    if (down) res.setHeader('Retry-After', '5');
    res.status(down ? 503 : 200).json({
      status: down ? 'not_ready' : degraded ? 'degraded' : 'ready',
      service: 'query-api',
      dependencies: { postgres, redis },
      projections,
      ...(deps.components?.length ? { components } : {}),
    });
  });
  return router;
}
