import { writtenByNewerCode } from '../../domain/event-catalog.ts';
import type { EventStore, RecordedEvent, SubscriptionItem } from '../../infra/eventstore/port.ts';
import { comparePositions, type Position, positionToString } from '../../infra/eventstore/position.ts';
import { readAhead } from '../../infra/eventstore/read-ahead.ts';
import type { Logger } from '../../infra/logger.ts';
import { shopTracer, traceBatch } from '../../infra/telemetry/index.ts';
import type { ShopMetrics } from '../../infra/telemetry/metrics.ts';
import { backoffMs, isInfrastructureError, NewerEventVersion, sleep } from './failures.ts';
import type { Target } from './generations.ts';
import { createAckedCheckpoints } from './outbound-writer.ts';
import type { RunnableProjection } from './types.ts';
import type { BatchWriter } from './writers.ts';

export type RetryPolicy = {
  attempts: number;
  baseMs: number;
  maxMs: number;
  /**
   * How long a projection waits at an event of a newer version than its code reads before parking it
   * like any other failing event (docs/read-side.md "Rolling upgrades").
   */
  newerVersionWaitMs: number;
};

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
  /**
   * Since when this runner has been held up by events of a newer version, `event` among them: the time
   * of the first such failure, kept across restarts of the run until an event past it applies.
   */
  newerVersionSince(event: RecordedEvent): number;
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
  /**
   * A checkpoint write that only moves past skipped events (nothing applied) happens at most this often;
   * in between the position is published but not written. A batch that applied anything always writes.
   */
  skipCheckpointMs: number;
  retry: RetryPolicy;
  /** Return at the first caught-up (rebuilds); otherwise follow live until aborted. */
  untilCaughtUp: boolean;
  metrics: ShopMetrics;
  logger: Logger;
  hooks: FollowHooks;
};

/**
 * Feeds the log to one generation of a projection: many events per transaction while catching up; once
 * live, each event commits at once unless more have already been read (then they share the transaction). A
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
  /** The checkpoint as written: what the next write compares and sets from. */
  let checkpoint = options.from;
  /** The newest position passed: past the checkpoint while acknowledged batches or a skip await its write. */
  let sentUpTo = options.from;
  /** A skip-only position published but not yet written (see `skipCheckpointMs`). */
  let unwritten: Position | undefined;
  let writtenAt = performance.now();
  /** Live: a caught-up marker passed over behind the batch's events; the batch's checkpoint goes this far. */
  let skipTo: Position | undefined;
  let batch: RecordedEvent[] = [];
  let live = false;

  const moved = (at: Position, invalidate: string[], last: RecordedEvent | undefined, count: number) => {
    checkpoint = at;
    unwritten = undefined;
    writtenAt = performance.now();
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
  const commit = async (events: RecordedEvent[], to?: Position) => {
    await drain();
    const apply = async () => {
      const invalidate = await writer.applyBatch(events, checkpoint, to);
      const lastEvent = events[events.length - 1]!;
      moved(to ?? lastEvent.position, invalidate, lastEvent, events.length);
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
        } catch (caught) {
          if (isInfrastructureError(caught)) throw caught;
          // Written by a newer deployment than this one: wait at it (the run restarts from the
          // checkpoint, with backoff) until code that reads it takes over, rather than park it and
          // leave a hole in the read model; after `newerVersionWaitMs` it is parked like any other
          // (docs/read-side.md "Rolling upgrades").
          const newer = writtenByNewerCode(event.type, event.data);
          const error = newer ? new NewerEventVersion(event, caught) : caught;
          if (newer && Date.now() - hooks.newerVersionSince(event) < retry.newerVersionWaitMs) throw error;
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

  /**
   * Moves past events this projection skipped (a caught-up marker's position beyond what it applied). The
   * write happens when `skipCheckpointMs` has passed since the last one (always when catching up for a
   * rebuild); otherwise the position is only published. Safe to leave unwritten: nothing between the
   * checkpoint and `at` is an event this projection applies (each applied batch writes its checkpoint), so
   * a restart from the written checkpoint re-reads only events that it skips again.
   */
  const skipped = async (at: Position) => {
    await drain();
    if (sentUpTo && comparePositions(at, sentUpTo) <= 0) return;
    if (options.untilCaughtUp || performance.now() - writtenAt >= options.skipCheckpointMs) {
      await writer.advance(checkpoint, at);
      moved(at, [], undefined, 0);
      return;
    }
    unwritten = at;
    sentUpTo = at;
    hooks.committed(at, [], undefined, 0);
  };
  const writeUnwritten = async () => {
    if (!unwritten) return;
    await writer.advance(checkpoint, unwritten);
    moved(unwritten, [], undefined, 0);
  };

  const commitOrRedo = async (events: RecordedEvent[], send: () => Promise<void>, to?: Position) => {
    try {
      await send();
    } catch (error) {
      if (isInfrastructureError(error)) throw error;
      // Nothing of the batch was committed (PostgreSQL), its writes are guarded (Redis), or nothing of it
      // was acknowledged (outbound): redo it singly, which finds and parks the event that fails.
      await applyOneByOne(events);
      if (to) await skipped(to);
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
  /** The next item; while a skip is unwritten and nothing arrives, writes it once it is due. */
  const take = async () => {
    const next = iterator.next();
    while (unwritten && !signal.aborted) {
      let timer: NodeJS.Timeout | undefined;
      const due = new Promise<'due'>((resolve) => {
        // Not below 0: already due is due now (Node 24 warns about a negative delay).
        const wait = Math.max(0, writtenAt + options.skipCheckpointMs - performance.now());
        timer = setTimeout(resolve, wait, 'due');
      });
      const first = await Promise.race([
        next.then(
          () => 'item' as const,
          () => 'item' as const,
        ),
        due,
      ]);
      clearTimeout(timer);
      if (first === 'item') break;
      await writeUnwritten();
    }
    return next;
  };

  /**
   * Whether the batch holds everything already read, as far as the current turn can tell. Events reach the
   * read-ahead one at a time through the store's layers (decryption, upcasting), a few promise hops each,
   * so an empty queue right after an event often means the rest of the same page is still on its way, not
   * that the next event needs a read. The current turn of the event loop is let finish first, so a page's
   * events share one transaction (events behind a key-store query still come after it). With the first
   * event of a page going alone, the projections' process sent half as many statements and socket writes
   * again (docs/performance.md, "A page's events in one batch"). A source that keeps handing one event per
   * turn is cut at batchSize.
   */
  const nothingMoreRead = async () => {
    if (buffered() > 0) return false;
    await new Promise<void>((resolve) => setImmediate(resolve));
    return buffered() === 0;
  };

  const flush = async () => {
    if (batch.length === 0) return;
    if (!outbound) {
      const events = batch;
      const to = skipTo;
      batch = [];
      skipTo = undefined;
      await commitOrRedo(events, () => commit(events, to), to);
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
      const next = held ?? (await take());
      held = undefined;
      if (next.done) break;
      const item = next.value;
      if (item.kind === 'event') {
        batch.push(item.event);
        if (skipTo && comparePositions(item.event.position, skipTo) > 0) skipTo = undefined;
        // Live (outbound: always), a batch commits as soon as nothing more is waiting, so a burst still
        // shares a transaction.
        const eager = live || outbound !== undefined;
        if (batch.length >= options.batchSize || (eager && (await nothingMoreRead()))) await flush();
        continue;
      }
      // Live, a marker between events does not cut the batch: the batch goes on collecting what is
      // already read behind the marker, or commits now, its checkpoint moved to the marker in the same
      // transaction (no separate write for the events it skipped).
      if (live && !outbound && batch.length > 0 && item.position) {
        skipTo = item.position;
        if (await nothingMoreRead()) await flush();
        continue;
      }
      await flush();
      await inFlight;
      acks?.throwIfFailed();
      // A filtered projection still moves past the events it skipped, so a consistency token for any
      // position is eventually reached.
      if (item.position) await skipped(item.position);
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
    // Stopping leaves a skip unwritten (the next run skips those events again); a subscription that ended
    // by itself writes it.
    if (!signal.aborted) await writeUnwritten();
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
