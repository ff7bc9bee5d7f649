// `npm run replay -- [projection…|--all] [--dry-run] [--fresh] [--batch-size N]`: rebuilds read models from the first
// event into a new generation and swaps it in (application/projection-runner/rebuild.ts), with a progress bar,
// events/s and ETA, then a report. Several projections rebuild at once over one read of the log. An interrupted replay resumes: run it again and it carries on with
// the generation left building, from that generation's checkpoint; --fresh discards it and starts over.
// --dry-run builds a shadow copy from scratch and compares it with the serving generation, swapping nothing.
// Exit codes: 0 done (dry run: identical), 1 dry run found differences, 2 could not run.
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { pino } from 'pino';
import { createProgress, type ProgressSink } from '../application/audit/progress.ts';
import { diffSchemas, type TableDiff } from '../application/audit/read-model-diff.ts';
import { diffRedisPrefixes } from '../application/audit/redis-diff.ts';
import { createCheckpointPublisher } from '../application/projection-runner/checkpoint-channel.ts';
import { migrateProjections } from '../application/projection-runner/migrate.ts';
import type { RunnerDeps } from '../application/projection-runner/runner.ts';
import { createSharedRead } from '../application/projection-runner/shared-read.ts';
import { type Projection, redisPrefix, schemaName } from '../application/projection-runner/types.ts';
import type { Faults } from '../application/projection-runner/writers.ts';
import { loadConfig } from '../infra/config.ts';
import { createEventStore } from '../infra/eventstore/create-store.ts';
import { composeStore } from '../infra/eventstore/decorate-store.ts';
import type { EventStore } from '../infra/eventstore/port.ts';
import { parsePosition } from '../infra/eventstore/position.ts';
import { createPool } from '../infra/postgres/pool.ts';
import { openPersonalData } from '../infra/privacy/personal-data.ts';
import { createRedis } from '../infra/redis/client.ts';
import { deleteRedisPrefix, deploymentRedisPrefix } from '../infra/redis/prefix.ts';
import { createMetrics } from '../infra/telemetry/metrics.ts';
import { createReadModelDb } from '../projections/read-model-db.ts';
import { projections as registered } from '../projections/registry.ts';
import { rebuildProjection } from '../projections/service.ts';

export type ReplayReport = {
  projection: string;
  events: number;
  durationMs: number;
  eventsPerSecond: number;
  generation: number;
  position: string | null;
  /** Set when this run carried on an interrupted one: the checkpoint it resumed from (null: the start). */
  resumedFrom?: string | null;
  /** Dry run only: per table, rows only in the rebuilt copy / only in the serving generation. */
  differences?: TableDiff[];
};

export type ReplayOptions = {
  names: readonly string[] | 'all';
  dryRun?: boolean;
  projections?: readonly Projection[];
  progress?: (label: string) => ProgressSink;
  /** Carry on an interrupted rebuild's generation (default true); false: discard it and start over. */
  resume?: boolean;
  /** Events per transaction (default: the rebuild's, 2,000 for set-based projections). */
  batchSize?: number;
  /** Test seam: passed to the batch writer of every rebuild. */
  faults?: Faults;
};

/** A copy of a projection under another name: the rebuild machinery builds it beside the real one. */
const shadowOf = (projection: Projection): Projection => ({
  ...projection,
  name: `dryrun_${projection.name}`,
});

async function dropShadow(deps: RunnerDeps, shadow: string) {
  const { rows } = await sql<{ generation: number }>`
    SELECT generation FROM projection_checkpoints WHERE projection = ${shadow}`.execute(deps.db);
  for (const { generation } of rows)
    await sql.raw(`DROP SCHEMA IF EXISTS ${schemaName(shadow, generation)} CASCADE`).execute(deps.db);
  // A Redis shadow's keys all start with `rm:<shadow>:` (every generation).
  if (deps.redis) await deleteRedisPrefix(deps.redis, `rm:${shadow}:`);
  for (const table of ['projection_checkpoints', 'projection_generations', 'projection_dead_letters'])
    await sql`DELETE FROM ${sql.table(table)} WHERE projection = ${shadow}`.execute(deps.db);
}

/** Rebuilds (or dry-runs) each named projection in turn; returns one report per projection. */
export async function replay(deps: RunnerDeps, options: ReplayOptions): Promise<ReplayReport[]> {
  const all = options.projections ?? registered;
  const chosen =
    options.names === 'all'
      ? all
      : options.names.map((name) => {
          const found = all.find((p) => p.name === name);
          if (!found)
            throw new Error(`unknown projection ${name}; known: ${all.map((p) => p.name).join(', ')}`);
          return found;
        });
  // Every chosen projection rebuilds at once, over one read of the log: each is handed its own types.
  const shared = chosen.length > 1 ? createSharedRead(deps.store, chosen.length) : undefined;
  const one = async (projection: Projection): Promise<ReplayReport> => {
    const member = shared?.member();
    try {
      return await rebuildOne(projection, member ?? deps.store);
    } finally {
      member?.leave();
    }
  };
  const rebuildOne = async (projection: Projection, source: EventStore): Promise<ReplayReport> => {
    const head = (await source.headPosition())?.prepare ?? 0n;
    const sink = options.progress?.(`${options.dryRun ? 'dry run' : 'replay'} ${projection.name}`);
    let events = 0;
    /** How far into the log (by position) a batch has got. */
    const fraction = (position: string) => {
      const at = parsePosition(position)?.prepare ?? 0n;
      return head > 0n ? Number((at * 10_000n) / head) / 10_000 : 1;
    };
    const target = options.dryRun ? shadowOf(projection) : projection;
    // A dry run must not tell the query API's caches to drop anything.
    const runDeps: RunnerDeps = {
      ...deps,
      store: source,
      ...(options.dryRun ? { publisher: undefined } : {}),
    };
    if (options.dryRun) await dropShadow(deps, target.name);
    const started = Date.now();
    try {
      const result = await rebuildProjection(target.name, runDeps, {
        projections: [target],
        // A dry run's shadow was just dropped, so it always starts from the first event.
        resume: !options.dryRun && options.resume !== false,
        ...(options.batchSize ? { batchSize: options.batchSize } : {}),
        ...(options.faults ? { faults: options.faults } : {}),
        onProgress: (progress) => {
          events = progress.events;
          sink?.update(events, fraction(progress.position));
        },
      });
      sink?.update(events, 1);
      const durationMs = Date.now() - started;
      const report: ReplayReport = {
        projection: projection.name,
        events,
        durationMs,
        eventsPerSecond: Math.round(events / Math.max(durationMs / 1000, 0.001)),
        generation: result.generation,
        position: result.position,
        ...(result.resumedFrom !== undefined ? { resumedFrom: result.resumedFrom } : {}),
      };
      if (options.dryRun) {
        const serving = await sql<{ serving: number }>`
          SELECT serving FROM projection_generations WHERE projection = ${projection.name}`.execute(deps.db);
        const generation = serving.rows[0]?.serving;
        report.differences =
          generation === undefined
            ? [{ table: '(no serving generation)', onlyInA: 0, onlyInB: 0 }]
            : projection.kind === 'postgres'
              ? await diffSchemas(
                  deps.db,
                  schemaName(target.name, result.generation),
                  schemaName(projection.name, generation),
                )
              : deps.redis
                ? await diffRedisPrefixes(
                    deps.redis,
                    redisPrefix(target.name, result.generation),
                    redisPrefix(projection.name, generation),
                  )
                : [];
      }
      return report;
    } finally {
      sink?.stop();
      if (options.dryRun) await dropShadow(deps, target.name);
    }
  };
  // One failing rebuild does not stop the others (each swaps in on its own); the first failure is thrown.
  const settled = await Promise.allSettled(chosen.map(one));
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<ReplayReport>).value);
}

const differs = (r: ReplayReport) => (r.differences ?? []).some((d) => d.onlyInA > 0 || d.onlyInB > 0);

/** `wallMs`: the run's elapsed time (the rebuilds ran at once, so their durations overlap). */
export function formatReplayReport(
  reports: readonly ReplayReport[],
  dryRun: boolean,
  wallMs?: number,
): string {
  const lines = reports.map(
    (r) =>
      `${r.projection}: ${r.events} events in ${(r.durationMs / 1000).toFixed(1)} s (${r.eventsPerSecond} ev/s), ` +
      `${dryRun ? 'shadow' : 'now serving'} generation ${r.generation} at ${r.position ?? 'start'}` +
      (r.resumedFrom !== undefined ? ` (resumed from ${r.resumedFrom ?? 'start'})` : '') +
      (r.differences
        ? `\n${r.differences.map((d) => `  ${d.table}: ${d.onlyInA} rows only in the rebuild, ${d.onlyInB} only in the serving generation`).join('\n')}`
        : ''),
  );
  const events = reports.reduce((n, r) => n + r.events, 0);
  const ms = wallMs ?? reports.reduce((n, r) => n + r.durationMs, 0);
  lines.push(
    `total: ${events} events in ${(ms / 1000).toFixed(1)} s (${Math.round(events / Math.max(ms / 1000, 0.001))} ev/s)`,
  );
  if (dryRun)
    lines.push(reports.some(differs) ? 'DIFFERENCES found (nothing swapped)' : 'IDENTICAL (nothing swapped)');
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      all: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      fresh: { type: 'boolean', default: false },
      'batch-size': { type: 'string' },
    },
  });
  const batchSize = values['batch-size'] === undefined ? undefined : Number(values['batch-size']);
  if ((!values.all && positionals.length === 0) || (batchSize !== undefined && !(batchSize >= 1))) {
    process.stderr.write(
      'usage: npm run replay -- [projection…|--all] [--dry-run] [--fresh] [--batch-size N]\n',
    );
    return 2;
  }
  const config = loadConfig();
  const logger = pino({ name: 'replay', level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));
  const pool = createPool({ connectionString: config.DATABASE_URL, applicationName: 'replay', logger });
  const redis = createRedis({
    url: config.REDIS_URL,
    keyPrefix: deploymentRedisPrefix(config),
    logger,
    connectionName: 'replay',
  });
  const { store: baseStore } = await createEventStore(config, logger);
  // Projections read the store as every role composes it: personal fields decrypted, old shapes upcast.
  // Refuses a wrong master key, like bin/start.
  const personalData = await openPersonalData({ connectionString: config.DATABASE_URL, config, logger });
  const store = composeStore(baseStore, { logger, personalData });
  try {
    await migrateProjections(pool, logger);
    const db = createReadModelDb(pool, logger);
    const deps: RunnerDeps = {
      store,
      db,
      leaseClientConfig: pool.options,
      redis,
      publisher: createCheckpointPublisher(redis, logger),
      metrics: createMetrics({ runtime: false }),
      logger,
    };
    const started = Date.now();
    const reports = await replay(deps, {
      names: values.all ? 'all' : positionals,
      dryRun: values['dry-run'],
      resume: !values.fresh,
      ...(batchSize ? { batchSize } : {}),
      progress: (label) => createProgress(label, process.stderr),
    });
    process.stdout.write(`${formatReplayReport(reports, values['dry-run'], Date.now() - started)}\n`);
    return values['dry-run'] && reports.some(differs) ? 1 : 0;
  } finally {
    await store.close();
    redis.disconnect();
    await pool.end();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // process.exit, not exitCode: a client left open by a failed start (Redis reconnecting, a pool)
  // must not keep a failed replay alive (issue 12: it hung for ten minutes).
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`replay could not run: ${(error as Error).message}\n`);
      process.exit(2);
    },
  );
}
