import type { EventStore, RecordedEvent, SubscriptionItem } from '../../infra/eventstore/port.ts';
import { comparePositions, type Position, positionToString } from '../../infra/eventstore/position.ts';
import type { Logger } from '../../infra/logger.ts';
import { shopTracer, traceBatch } from '../../infra/telemetry/index.ts';
import type { ShopMetrics } from '../../infra/telemetry/metrics.ts';
import { backoffMs, isInfrastructureError, sleep } from './failures.ts';
import type { Target } from './generations.ts';
import { createAckedCheckpoints } from './outbound-writer.ts';
import { readAhead } from './read-ahead.ts';
import type { RunnableProjection } from './types.ts';
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
  projection: RunnableProjection;
  target: Target;
  writer: BatchWriter;
  from: Position | undefined;
  signal: AbortSignal;
  batchSize: number;
  retry: RetryPolicy;
  /** Return at the first caught-up (rebuilds); otherwise follow live until aborted. */
  untilCaughtUp: boolean;
  metrics: ShopMetrics;
  logger: Logger;
  hooks: FollowHooks;
};

/**
 * Feeds the log to one generation of a projection: many events per transaction while catching up; once
 * live, each event commits at once unless more have already arrived (then they share the transaction). A
 * failing batch is retried event by event with backoff; an event that still fails is parked (dead-letter
 * row, metric, log line) and the checkpoint moves past it. Infrastructure errors and loss of ownership are
 * thrown to the caller, which restarts from the checkpoint. Returns the checkpoint.
 *
 * An outbound projection (a writer with `outbound`) takes the same path with two differences: a batch
 * goes out as soon as the next event would mean waiting, also while catching up (a backlog goes in full
 * batches, a lone event at once); and one batch is on its way while the next is collected and prepared,
 * its checkpoint written behind the acknowledgement (never ahead of it).
 */
export async function follow(options: FollowOptions): Promise<Position | undefined> {
  const { store, projection, writer, signal, retry, logger, hooks } = options;
  const outbound = writer.outbound;
  let checkpoint = options.from;
  /** The newest position delivered: past the checkpoint while acknowledged batches await its write. */
  let sentUpTo = options.from;
  let batch: RecordedEvent[] = [];
  let live = false;

  const moved = (at: Position, invalidate: string[], last: RecordedEvent | undefined, count: number) => {
    checkpoint = at;
    if (!sentUpTo || comparePositions(at, sentUpTo) > 0) sentUpTo = at;
    hooks.committed(at, invalidate, last, count);
  };
  const acks = outbound
    ? createAckedCheckpoints(
        (last) => outbound.checkpointTo(checkpoint, last),
        (last, count) => moved(last.position, [], last, count),
      )
    : undefined;
  const drain = async () => acks?.drain();

  const tracer = shopTracer();
  const commit = async (events: RecordedEvent[]) => {
    await drain();
    const apply = async () => {
      const invalidate = await writer.applyBatch(events, checkpoint);
      const lastEvent = events[events.length - 1]!;
      moved(lastEvent.position, invalidate, lastEvent, events.length);
    };
    // One span per transaction (projection, positions), linked to the commands behind its events; the
    // per-event and set-based apply spans are its children. (An outbound projection traces its sends.)
    if (outbound) await apply();
    else await traceBatch(tracer, projection.name, events, checkpoint, apply);
  };

  const applyOneByOne = async (events: RecordedEvent[]) => {
    await drain();
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
            options.metrics.eventParked(projection.name);
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
            moved(event.position, [], event, 1);
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

  const commitOrRedo = async (events: RecordedEvent[], send: () => Promise<void>) => {
    try {
      await send();
    } catch (error) {
      if (isInfrastructureError(error)) throw error;
      // Nothing of the batch was committed (PostgreSQL), its writes are guarded (Redis), or nothing of it
      // was acknowledged (outbound): redo it singly, which finds and parks the event that fails.
      await applyOneByOne(events);
    }
  };

  // Outbound: the batch on its way, and the next one's preparation (undefined value: it cannot be).
  let inFlight: Promise<void> = Promise.resolve();
  const prepare = (events: RecordedEvent[]) => {
    try {
      return { value: outbound!.prepare(events) as unknown, ok: true };
    } catch {
      return { value: undefined, ok: false };
    }
  };
  const sendPipelined = async (events: RecordedEvent[], prepared: { value: unknown; ok: boolean }) => {
    acks!.throwIfFailed();
    if (!prepared.ok) throw new Error('batch could not be prepared');
    await outbound!.deliver(events, prepared.value);
    const last = events[events.length - 1]!;
    sentUpTo = last.position;
    acks!.acked(last, events.length);
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
  const { items, buffered } = readAhead(subscription, Math.max(1, options.batchSize));
  const iterator = items[Symbol.asyncIterator]();
  let held: IteratorResult<SubscriptionItem> | undefined;

  const flush = async () => {
    if (batch.length === 0) return;
    if (!outbound) {
      const events = batch;
      batch = [];
      await commitOrRedo(events, () => commit(events));
      return;
    }
    // A full batch is prepared while the previous one is still out; a partial one first takes what
    // arrived during that send.
    let prepared = batch.length >= options.batchSize ? prepare(batch) : undefined;
    await inFlight;
    while (!prepared && batch.length < options.batchSize && buffered() > 0) {
      const next = await iterator.next();
      if (next.done || next.value.kind !== 'event') {
        held = next;
        break;
      }
      batch.push(next.value.event);
    }
    const events = batch;
    batch = [];
    prepared ??= prepare(events);
    const ready = prepared;
    inFlight = commitOrRedo(events, () => sendPipelined(events, ready));
    inFlight.catch(() => {}); // awaited at the next flush; this only keeps it from counting as unhandled
  };

  try {
    for (;;) {
      const next = held ?? (await iterator.next());
      held = undefined;
      if (next.done) break;
      const item = next.value;
      if (item.kind === 'event') {
        batch.push(item.event);
        // Live (outbound: always), a batch commits as soon as nothing more is waiting, so a burst still
        // shares a transaction.
        const eager = live || outbound !== undefined;
        if (batch.length >= options.batchSize || (eager && buffered() === 0)) await flush();
        continue;
      }
      await flush();
      await inFlight;
      acks?.throwIfFailed();
      // A filtered projection still moves past the events it skipped, so a consistency token for any
      // position is eventually reached.
      if (item.position && (!sentUpTo || comparePositions(item.position, sentUpTo) > 0)) {
        await drain();
        await writer.advance(checkpoint, item.position);
        moved(item.position, [], undefined, 0);
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
    await inFlight;
    await drain();
    return checkpoint;
  } finally {
    // Never leave a send or a checkpoint write running behind a restart: the next run starts from the
    // checkpoint this one leaves.
    await inFlight.catch(() => {});
    await acks?.settle();
    done.abort();
    await iterator.return?.(undefined);
  }
}
