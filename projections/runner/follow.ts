import type { EventStore, RecordedEvent, SubscriptionItem } from '../../infra/eventstore/port.ts';
import { comparePositions, type Position, positionToString } from '../../infra/eventstore/position.ts';
import type { Logger } from '../../infra/logger.ts';
import { shopTracer, traceBatch } from '../../infra/telemetry/index.ts';
import { backoffMs, isInfrastructureError, sleep } from './failures.ts';
import type { Target } from './generations.ts';
import type { Metrics } from './metrics.ts';
import { readAhead } from './read-ahead.ts';
import type { Projection } from './types.ts';
import type { BatchWriter } from './writers.ts';

export type RetryPolicy = { attempts: number; baseMs: number; maxMs: number };

export type FollowHooks = {
  /** After every commit (events applied, parked, or a filtered stretch skipped). */
  committed(
    position: Position,
    invalidate: string[],
    lastEvent: RecordedEvent | undefined,
    applied: number,
  ): void;
  caughtUp(): void;
  parked(event: RecordedEvent, error: unknown): void;
  catchingUp(): void;
};

export type FollowOptions = {
  store: EventStore;
  projection: Projection;
  target: Target;
  writer: BatchWriter;
  from: Position | undefined;
  signal: AbortSignal;
  batchSize: number;
  retry: RetryPolicy;
  /** Return at the first caught-up (rebuilds); otherwise follow live until aborted. */
  untilCaughtUp: boolean;
  metrics: Metrics;
  logger: Logger;
  hooks: FollowHooks;
};

/**
 * Feeds the log to one generation of a projection: many events per transaction while catching up; once
 * live, each event commits at once unless more have already arrived (then they share the transaction). A failing batch is retried event by event with backoff; an event that still fails is
 * parked (dead-letter row, metric, log line) and the checkpoint moves past it. Infrastructure errors and
 * loss of ownership are thrown to the caller, which restarts from the checkpoint. Returns the checkpoint.
 */
export async function follow(options: FollowOptions): Promise<Position | undefined> {
  const { store, projection, writer, signal, retry, logger, hooks } = options;
  let checkpoint = options.from;
  let batch: RecordedEvent[] = [];
  let live = false;

  const tracer = shopTracer();
  // One span per transaction (projection, positions), linked to the commands behind its events; the
  // per-event and set-based apply spans are its children.
  const commit = (events: RecordedEvent[]) =>
    traceBatch(tracer, projection.name, events, checkpoint, async () => {
      const invalidate = await writer.applyBatch(events, checkpoint);
      const lastEvent = events[events.length - 1]!;
      checkpoint = lastEvent.position;
      hooks.committed(checkpoint, invalidate, lastEvent, events.length);
    });

  const applyOneByOne = async (events: RecordedEvent[]) => {
    for (const event of events) {
      for (let attempt = 1; ; attempt += 1) {
        if (signal.aborted) throw signal.reason ?? new Error('aborted');
        try {
          await commit([event]);
          break;
        } catch (error) {
          if (isInfrastructureError(error)) throw error;
          if (attempt >= retry.attempts) {
            await writer.park(event, error, attempt, checkpoint);
            checkpoint = event.position;
            options.metrics.inc('projection_parked_events_total', { projection: projection.name });
            logger.error(
              {
                err: error,
                projection: projection.name,
                eventId: event.id,
                type: event.type,
                attempts: attempt,
              },
              'projection handler kept failing; event parked',
            );
            hooks.parked(event, error);
            hooks.committed(checkpoint, [], event, 1);
            break;
          }
          logger.warn(
            { err: error, projection: projection.name, eventId: event.id, attempt },
            'handler failed',
          );
          await sleep(backoffMs(attempt, retry.baseMs, retry.maxMs), signal);
        }
      }
    }
  };

  const flush = async () => {
    if (batch.length === 0) return;
    const events = batch;
    batch = [];
    try {
      await commit(events);
    } catch (error) {
      if (isInfrastructureError(error)) throw error;
      // Nothing of the batch was committed (PostgreSQL) or its writes are guarded (Redis): redo it singly.
      await applyOneByOne(events);
    }
  };

  const filter = projection.eventTypes.length > 0 ? { eventTypes: projection.eventTypes } : undefined;
  hooks.catchingUp();
  // Ends this subscription (and a read the read-ahead still has in flight) when this call returns.
  const done = new AbortController();
  const subscription = store.subscribeToAll({
    ...(checkpoint ? { after: checkpoint } : {}),
    ...(filter ? { filter } : {}),
    signal: AbortSignal.any([signal, done.signal]),
  });
  try {
    return await consume(readAhead(subscription, Math.max(1, options.batchSize)));
  } finally {
    done.abort();
  }

  async function consume({ items, buffered }: ReturnType<typeof readAhead<SubscriptionItem>>) {
    for await (const item of items) {
      if (item.kind === 'event') {
        batch.push(item.event);
        // Live, an event commits as soon as nothing more is waiting, so a burst still shares a transaction.
        if (batch.length >= options.batchSize || (live && buffered() === 0)) await flush();
        continue;
      }
      await flush();
      // A filtered projection still moves past the events it skipped, so a consistency token for any
      // position is eventually reached.
      if (item.position && (!checkpoint || comparePositions(item.position, checkpoint) > 0)) {
        await writer.advance(checkpoint, item.position);
        checkpoint = item.position;
        hooks.committed(checkpoint, [], undefined, 0);
      }
      if (!live) {
        live = true;
        logger.info(
          {
            projection: projection.name,
            generation: options.target.generation,
            position: checkpoint && positionToString(checkpoint),
          },
          'projection caught up',
        );
      }
      hooks.caughtUp();
      if (options.untilCaughtUp) return checkpoint;
    }
    return checkpoint;
  }
}
