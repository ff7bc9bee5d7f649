import type { Redis } from 'ioredis';
import type { Kysely, Transaction } from 'kysely';
import type { RecordedEvent } from '../../infra/eventstore/port.ts';
import type { Position } from '../../infra/eventstore/position.ts';
import type { Logger } from '../../infra/logger.ts';
import { advanceCheckpoint, parkEvent, type Target } from './generations.ts';
import { createRedisBatch } from './redis-batch.ts';
import { createRedisDocWriter } from './redis-docs.ts';
import {
  type Projection,
  type ReadModelDb,
  type ReadModelTrx,
  type RunnerTables,
  redisPrefix,
  schemaName,
} from './types.ts';

/** Test seams: after a batch's writes (or its acknowledgement) and before its checkpoint; throw to simulate a crash. */
export type Faults = {
  afterWrites?: (events: readonly RecordedEvent[]) => void | Promise<void>;
  /** Outbound only: after the acknowledgement, before the checkpoint write is queued. */
  afterDeliver?: (events: readonly RecordedEvent[], signal: AbortSignal) => void | Promise<void>;
};

/** What follow() uses to pipeline an outbound projection: prepare the next batch while one is on its way. */
export type OutboundSteps = {
  /** CPU only; throws when an event cannot be expressed (follow() then finds and parks it). */
  prepare(events: readonly RecordedEvent[]): unknown;
  /** Sends a prepared batch and waits for the acknowledgement; moves no checkpoint. */
  deliver(events: readonly RecordedEvent[], prepared: unknown): Promise<void>;
  /** Moves the checkpoint from `from` to `last` (everything up to `last` must be acknowledged). */
  checkpointTo(from: Position | undefined, last: RecordedEvent): Promise<void>;
};
/** How one kind of read model takes a batch and moves the checkpoint. Returns cache keys made stale. */
export type BatchWriter = {
  /** Applies and moves the checkpoint to `to` (default: the last event; a later position when the events
   * after the batch up to `to` are ones this projection skips). */
  applyBatch(events: readonly RecordedEvent[], from: Position | undefined, to?: Position): Promise<string[]>;
  park(event: RecordedEvent, error: unknown, attempts: number, from: Position | undefined): Promise<void>;
  advance(from: Position | undefined, to: Position): Promise<void>;
  /** Outbound projections: send batches one after another and checkpoint behind the acknowledgements. */
  outbound?: OutboundSteps;
};

export type WriterDeps = {
  db: ReadModelDb;
  redis?: Redis;
  logger: Logger;
  faults?: Faults;
};

const asRunner = (trx: ReadModelTrx) => trx as unknown as Transaction<RunnerTables>;

export function createBatchWriter(projection: Projection, target: Target, deps: WriterDeps): BatchWriter {
  const { db, logger, faults } = deps;
  const last = (events: readonly RecordedEvent[]) => events[events.length - 1]!;
  const runnerDb = db as unknown as Kysely<RunnerTables>;
  const asyncCommit = { asyncCommit: true };

  const applyPg =
    projection.kind === 'postgres'
      ? async (events: readonly RecordedEvent[], from: Position | undefined, to: Position) => {
          const schema = schemaName(projection.name, target.generation);
          const stale = new Set<string>();
          const context = { schema, invalidate: (key: string) => stale.add(key), logger };
          await db.transaction().execute(async (trx) => {
            const scoped = trx.withSchema(schema);
            if (projection.applyBatch) await projection.applyBatch(events, scoped, context);
            else for (const event of events) await projection.apply(event, scoped, context);
            await faults?.afterWrites?.(events);
            // A read model can always be rebuilt, and its checkpoint commits with its writes, so a commit
            // lost in a server crash is simply replayed: no need to wait for the WAL flush.
            await advanceCheckpoint(asRunner(trx), target, from, to, last(events).recordedAt, asyncCommit);
          });
          return [...stale];
        }
      : undefined;

  const applyRedis =
    projection.kind === 'redis'
      ? async (events: readonly RecordedEvent[], from: Position | undefined, to: Position) => {
          const redis = deps.redis;
          if (!redis) throw new Error(`projection ${projection.name} needs Redis`);
          const prefix = redisPrefix(projection.name, target.generation);
          const stale = new Set<string>();
          const context = { prefix, invalidate: (key: string) => stale.add(key), logger };
          if (events.length === 1) {
            const event = events[0]!;
            await projection.apply(event, createRedisDocWriter(redis, prefix, event.position), context);
          } else {
            // Documents read and written once per batch (redis-batch.ts), same guards as event by event.
            const batch = createRedisBatch(redis, prefix);
            await batch.prefetch(projection, events, context);
            for (const event of events) await projection.apply(event, batch.writer(event.position), context);
            await batch.flush();
          }
          // The writes are already visible; a crash here replays them, and their guards make that a no-op.
          await faults?.afterWrites?.(events);
          // One statement, its own transaction. Losing its commit in a server crash replays the batch, and
          // the guards make that a no-op.
          await advanceCheckpoint(runnerDb, target, from, to, last(events).recordedAt, asyncCommit);
          return [...stale];
        }
      : undefined;

  return {
    applyBatch: (events, from, to) => (applyPg ?? applyRedis)!(events, from, to ?? last(events).position),
    park: (event, error, attempts, from) =>
      db
        .transaction()
        .execute((trx) =>
          parkEvent(asRunner(trx), target, { projection: projection.name, event, error, attempts, from }),
        ),
    // Only skipped events lie behind `to`: a commit lost in a server crash makes a restart skip them again.
    advance: (from, to) => advanceCheckpoint(runnerDb, target, from, to, undefined, asyncCommit),
  };
}
