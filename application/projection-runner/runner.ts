import type { Redis } from 'ioredis';
import type pg from 'pg';
import { writtenByNewerCode } from '../../domain/event-catalog.ts';
import type { EventStore, RecordedEvent } from '../../infra/eventstore/port.ts';
import { comparePositions, type Position, positionToString } from '../../infra/eventstore/position.ts';
import { errorKind } from '../../infra/log-errors.ts';
import type { Logger } from '../../infra/logger.ts';
import type { ShopMetrics } from '../../infra/telemetry/metrics.ts';
import type { CheckpointPublisher } from './checkpoint-channel.ts';
import { backoffMs, sleep } from './failures.ts';
import { follow, type RetryPolicy } from './follow.ts';
import {
  CheckpointMoved,
  ensureServing,
  GenerationMoved,
  loadCheckpoint,
  type Target,
} from './generations.ts';
import { acquireLease, type Lease } from './lease.ts';
import { createOutboundWriter } from './outbound-writer.ts';
import { createPositionWaiters } from './position-waiters.ts';
import { dropGenerationsBefore, RETIRED_GRACE_MS, servingState } from './retired-generations.ts';
import {
  type ProjectionStatus,
  type ReadModelDb,
  type RunnableProjection,
  type RunnerState,
  setBased,
} from './types.ts';
import { createBatchWriter, type Faults } from './writers.ts';

export type RunnerDeps = {
  store: EventStore;
  /** The read-model database (runner tables and every PostgreSQL read model). */
  db: ReadModelDb;
  /** Connection settings for the lease's dedicated session (e.g. `pool.options`). */
  leaseClientConfig: pg.ClientConfig;
  /** Needed by Redis projections. Its ioredis `keyPrefix` (if any) scopes every read-model key. */
  redis?: Redis;
  publisher?: CheckpointPublisher;
  metrics: ShopMetrics;
  logger: Logger;
  /** Names this process in the lease session's application_name (default: the pid). */
  instanceId?: string;
};

export type RunnerOptions = {
  /**
   * Most events per transaction while catching up (live, a batch commits as soon as nothing more is read
   * behind it). Transactions stay short, so a crash re-applies little and memory stays flat: default
   * 1,000 for a projection that takes a batch in a few round trips (see `setBased`), else 200 (one round
   * trip per event). (There is no read horizon to hold back any more: docs/read-horizon.md.)
   */
  batchSize?: number;
  /**
   * At most one checkpoint write per this many ms that only moves past events the projection does not
   * read (nothing applied); in between the position is published, not written. Default 1000 ms. After a
   * restart the runner may re-read that much of the log, which it skips again.
   */
  skipCheckpointMs?: number;
  retry?: Partial<RetryPolicy>;
  /** How often a standby instance tries to take the lease. Default 1000 ms. */
  leaseRetryMs?: number;
  leaseCheckMs?: number;
  /** Backoff between restarts after an infrastructure error. */
  restart?: { baseMs?: number; maxMs?: number };
  heartbeatMs?: number;
  /** How often a live runner checks whether a rebuild swapped generations. Default 1000 ms. */
  generationCheckMs?: number;
  /** How long after a swap the generations it replaced are dropped. Default RETIRED_GRACE_MS (60 s). */
  retiredGraceMs?: number;
  faults?: Faults;
};

export type ProjectionRunner = {
  readonly name: string;
  start(): void;
  /** Stops following, releases the lease; resolves when the run loop has ended. */
  stop(): Promise<void>;
  status(): ProjectionStatus;
  /** Resolves true once the serving generation has passed `position` (applied it, or published that it skips
   * it: the written checkpoint may trail a skip by up to `skipCheckpointMs`) (tests, benches). */
  waitFor(position: Position, timeoutMs: number): Promise<boolean>;
};

/**
 * Runs one projection in this process: waits for its lease (one instance at a time, a standby takes over),
 * follows the log from the serving generation's checkpoint (follow.ts), restarts from the checkpoint after
 * an infrastructure error, and reports its status. Read models and outbound projections (Kafka, mail) alike;
 * an outbound one has a single generation, and its lag includes a batch waiting for the outside.
 */
export function createProjectionRunner(
  projection: RunnableProjection,
  deps: RunnerDeps,
  options: RunnerOptions = {},
): ProjectionRunner {
  const logger = deps.logger.child({ projection: projection.name });
  const retry: RetryPolicy = {
    attempts: 5,
    baseMs: 50,
    maxMs: 2_000,
    newerVersionWaitMs: 15 * 60_000,
    ...options.retry,
  };
  /**
   * The wait at events of a newer version: since when, and where it began. One bound for the whole stall
   * (after a rollback that followed many newer writes, the rest park at once once it has passed); the stall
   * ends when an event past the one that began it applies.
   */
  let stalled: { since: number; at: Position } | undefined;
  const stopping = new AbortController();
  let loop: Promise<void> | undefined;
  let state: RunnerState = 'stopped';
  let generation: number | undefined;
  let position: Position | undefined;
  let parked = 0;
  let live = false;
  let lastEvent: RecordedEvent | undefined;
  /** Outbound: the first event of the batch waiting for its acknowledgement (a broker down is lag too). */
  let delivering: RecordedEvent | undefined;
  let lastError: string | undefined;
  const waiters = createPositionWaiters(() => position, stopping.signal);

  const lagMs = () => {
    if (delivering) return Math.max(0, Date.now() - delivering.recordedAt.getTime());
    return live || !lastEvent ? 0 : Math.max(0, Date.now() - lastEvent.recordedAt.getTime());
  };
  const status = (): ProjectionStatus => ({
    projection: projection.name,
    state,
    generation,
    position: position && positionToString(position),
    parked,
    lagMs: lagMs(),
    lastError,
  });

  /**
   * The lease while this instance runs a generation under it (set once the generation's checkpoint is
   * loaded): only then does it speak for the projection. An instance that lost the lease would otherwise
   * keep sending its old position as `waiting-for-lease` beside the holder's, and readers' status of the
   * projection (and /ready) would flip between the two. A lease known lost silences it at once, before
   * its run has unwound.
   */
  let speaking: Lease | undefined;
  const publish = (invalidate: string[]) => {
    if (generation === undefined || !speaking || speaking.lost.aborted) return;
    void deps.publisher?.publish({
      projection: projection.name,
      generation,
      position: position ? positionToString(position) : null,
      ...(invalidate.length > 0 ? { invalidate } : {}),
      status: status(),
    });
  };

  const runGeneration = async (target: Target, outer: AbortSignal, lease: Lease) => {
    generation = target.generation;
    position = await loadCheckpoint(deps.db, target);
    speaking = lease;
    // A tenure's first word drops the readers' caches of this projection: an instance that ran it before
    // may have died after one of its messages was lost, and no later number of its will show the gap.
    publish(['*']);
    // An idle runner would only notice a rebuild's swap at its next commit; look now and then instead.
    const moved = new AbortController();
    // The generations this one replaced are dropped once its swap is old enough (retired-generations.ts).
    let retiredPending = projection.kind !== 'outbound';
    const graceMs = options.retiredGraceMs ?? RETIRED_GRACE_MS;
    const watch = setInterval(() => {
      servingState(deps.db, projection.name, graceMs)
        .then(async (found) => {
          if (!found) return;
          if (found.serving !== target.generation) return moved.abort(new GenerationMoved(target));
          if (!retiredPending || !found.retiredDue) return;
          retiredPending = false;
          await dropGenerationsBefore(deps, projection, target.generation).catch((error: unknown) => {
            retiredPending = true;
            logger.warn({ err: error }, 'could not drop the retired generations; will try again');
          });
        })
        .catch(() => {});
    }, options.generationCheckMs ?? 1_000);
    watch.unref();
    const signal = AbortSignal.any([outer, moved.signal]);
    const faults = options.faults ? { faults: options.faults } : {};
    const writer =
      projection.kind === 'outbound'
        ? createOutboundWriter(projection, target, {
            db: deps.db,
            signal,
            ...faults,
            onDelivering: (events) => {
              delivering = events?.[0];
            },
          })
        : createBatchWriter(projection, target, {
            db: deps.db,
            logger,
            ...(deps.redis ? { redis: deps.redis } : {}),
            ...faults,
          });
    try {
      await follow({
        store: deps.store,
        projection,
        target,
        writer,
        from: position,
        signal,
        batchSize: options.batchSize ?? (setBased(projection) ? 1_000 : 200),
        skipCheckpointMs: options.skipCheckpointMs ?? 1_000,
        retry,
        untilCaughtUp: false,
        metrics: deps.metrics,
        logger,
        hooks: {
          committed(at, invalidate, event, applied) {
            // Past the stall with an event this code reads: the next newer event waits afresh.
            if (
              stalled &&
              event &&
              comparePositions(at, stalled.at) > 0 &&
              !writtenByNewerCode(event.type, event.data)
            )
              stalled = undefined;
            position = at;
            if (event) lastEvent = event;
            if (projection.kind === 'outbound' && applied > 0)
              deps.metrics.eventsPublished(projection.name, applied);
            lastError = undefined;
            publish(invalidate);
            waiters.wakeAll();
          },
          caughtUp() {
            live = true;
            state = 'live';
          },
          catchingUp() {
            live = false;
            state = 'catching-up';
          },
          parked() {
            parked += 1;
          },
          newerVersionSince(event) {
            stalled ??= { since: Date.now(), at: event.position };
            return stalled.since;
          },
        },
      });
    } finally {
      clearInterval(watch);
    }
  };

  const run = async () => {
    const restart = { baseMs: 100, maxMs: 5_000, ...options.restart };
    while (!stopping.signal.aborted) {
      state = 'waiting-for-lease';
      const lease = await acquireLease({
        clientConfig: deps.leaseClientConfig,
        projection: projection.name,
        signal: stopping.signal,
        retryMs: options.leaseRetryMs ?? 1_000,
        ...(deps.instanceId ? { instanceId: deps.instanceId } : {}),
        ...(options.leaseCheckMs ? { checkMs: options.leaseCheckMs } : {}),
        logger,
      });
      if (!lease) break;
      logger.info('projection lease acquired');
      state = 'starting';
      const signal = AbortSignal.any([stopping.signal, lease.lost]);
      let failures = 0;
      try {
        while (!signal.aborted) {
          try {
            const serving = await ensureServing(deps.db, projection);
            await runGeneration(
              { projection: projection.name, generation: serving, role: 'serving' },
              signal,
              lease,
            );
          } catch (error) {
            if (signal.aborted) break;
            if (error instanceof GenerationMoved) continue; // a rebuild swapped in a new generation
            if (error instanceof CheckpointMoved) {
              logger.warn('checkpoint moved under this instance; giving up the lease');
              break;
            }
            failures += 1;
            state = 'retrying';
            lastError = errorKind(error);
            logger.error({ err: error, failures }, 'projection run failed; restarting from checkpoint');
            await sleep(backoffMs(failures, restart.baseMs, restart.maxMs), signal);
          }
        }
      } finally {
        live = false;
        speaking = undefined;
        await lease.release();
      }
    }
    state = 'stopped';
  };

  let heartbeat: NodeJS.Timeout | undefined;
  return {
    name: projection.name,
    start() {
      if (loop) return;
      state = 'starting';
      loop = run().catch((error) => {
        state = 'stopped';
        lastError = errorKind(error);
        logger.error({ err: error }, 'projection runner crashed');
      });
      heartbeat = setInterval(() => publish([]), options.heartbeatMs ?? 1_000);
      heartbeat.unref();
    },
    async stop() {
      clearInterval(heartbeat);
      stopping.abort();
      await loop;
      waiters.wakeAll();
    },
    status,
    waitFor: (target, timeoutMs) => waiters.waitFor(target, timeoutMs),
  };
}
