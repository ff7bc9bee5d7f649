import type { RecordedEvent } from '../../infra/eventstore/port.ts';
import { type Position, positionToString } from '../../infra/eventstore/position.ts';
import { backoffMs, sleep } from '../runner/failures.ts';
import type { RetryPolicy } from '../runner/follow.ts';
import { CheckpointMoved, ensureServing, loadCheckpoint, type Target } from '../runner/generations.ts';
import { acquireLease } from '../runner/lease.ts';
import { createPositionWaiters } from '../runner/position-waiters.ts';
import type { ProjectionRunner, RunnerDeps, RunnerOptions } from '../runner/runner.ts';
import type { Projection, ProjectionStatus, RunnerState } from '../runner/types.ts';
import { followOutbound } from './follow-outbound.ts';
import type { OutboundFaults, OutboundProjection } from './outbound.ts';
import { createOutboundWriter } from './outbound-writer.ts';

export type OutboundRunnerOptions = Omit<RunnerOptions, 'faults' | 'generationCheckMs'> & {
  faults?: OutboundFaults;
};

// follow() and ensureServing() read only `name`, `eventTypes` and `kind` (to create PostgreSQL tables,
// which an outbound projection has none of), so the outbound projection passes for one.
const asProjection = (projection: OutboundProjection) => projection as unknown as Projection;

/**
 * createProjectionRunner's loop for an outbound projection: the same lease (one publisher at a time,
 * a standby takes over), checkpoint table, follow()'s failure handling (retries, then parking for an
 * event that cannot be mapped; see follow-outbound.ts for its adaptive batching), restart from the checkpoint after an
 * infrastructure error. The difference is the writer: deliver, await the ack, then checkpoint.
 * Outbound projections have one generation: a rebuild would republish history, so there is none.
 */
export function createOutboundRunner(
  projection: OutboundProjection,
  deps: RunnerDeps,
  options: OutboundRunnerOptions = {},
): ProjectionRunner {
  const logger = deps.logger.child({ projection: projection.name });
  const retry: RetryPolicy = { attempts: 5, baseMs: 50, maxMs: 2_000, ...options.retry };
  const stopping = new AbortController();
  let loop: Promise<void> | undefined;
  let state: RunnerState = 'stopped';
  let generation: number | undefined;
  let position: Position | undefined;
  let parked = 0;
  let live = false;
  let lastEvent: RecordedEvent | undefined;
  let delivering: RecordedEvent | undefined;
  let lastError: string | undefined;
  const waiters = createPositionWaiters(() => position, stopping.signal);

  const lagMs = () => {
    // A batch waiting for Kafka (broker down) is lag even when the subscription is live.
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
  const publish = () => {
    if (generation === undefined) return;
    void deps.publisher?.publish({
      projection: projection.name,
      generation,
      position: position ? positionToString(position) : null,
      status: status(),
    });
  };

  const runGeneration = async (target: Target, signal: AbortSignal) => {
    generation = target.generation;
    position = await loadCheckpoint(deps.db, target);
    publish();
    const writer = createOutboundWriter(projection, target, {
      db: deps.db,
      signal,
      ...(options.faults ? { faults: options.faults } : {}),
      onDelivering: (events) => {
        delivering = events?.[0];
      },
    });
    await followOutbound({
      store: deps.store,
      projection: asProjection(projection),
      target,
      writer,
      from: position,
      signal,
      batchSize: options.batchSize ?? 1_000,
      retry,
      untilCaughtUp: false,
      metrics: deps.metrics,
      logger,
      hooks: {
        committed(at, _invalidate, event, applied) {
          position = at;
          if (event) lastEvent = event;
          lastError = undefined;
          if (applied > 0)
            deps.metrics.inc('publisher_events_total', { projection: projection.name }, applied);
          publish();
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
      },
    });
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
      logger.info('publisher lease acquired');
      const signal = AbortSignal.any([stopping.signal, lease.lost]);
      let failures = 0;
      try {
        while (!signal.aborted) {
          try {
            const serving = await ensureServing(deps.db, asProjection(projection));
            await runGeneration(
              { projection: projection.name, generation: serving, role: 'serving' },
              signal,
            );
          } catch (error) {
            if (signal.aborted) break;
            if (error instanceof CheckpointMoved) {
              logger.warn('checkpoint moved under this instance; giving up the lease');
              break;
            }
            failures += 1;
            state = 'retrying';
            lastError = error instanceof Error ? error.message : String(error);
            logger.error({ err: error, failures }, 'publisher run failed; restarting from checkpoint');
            await sleep(backoffMs(failures, restart.baseMs, restart.maxMs), signal);
          }
        }
      } finally {
        live = false;
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
        lastError = String(error);
        logger.error({ err: error }, 'publisher runner crashed');
      });
      heartbeat = setInterval(publish, options.heartbeatMs ?? 1_000);
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
