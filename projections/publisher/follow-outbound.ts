import type { RecordedEvent, SubscriptionItem } from '../../infra/eventstore/port.ts';
import { comparePositions, type Position, positionToString } from '../../infra/eventstore/position.ts';
import { backoffMs, isInfrastructureError, sleep } from '../runner/failures.ts';
import type { FollowOptions } from '../runner/follow.ts';
import type { OutboundWriter } from './outbound-writer.ts';

type Next = IteratorResult<SubscriptionItem>;

/** Resolves at the next turn of the event loop: what is not ready by then means waiting. */
const nextTurn = () => new Promise<undefined>((resolve) => setImmediate(() => resolve(undefined)));

/**
 * follow() for an outbound projection, with adaptive batching: a batch takes every event the
 * subscription already holds (up to `batchSize`) and is sent as soon as the next one would mean waiting.
 * So a backlog goes out in full batches, also one that builds up while live (a broker outage, a burst),
 * and a lone live event goes out at once. (The runner's follow() sends one event per batch for good
 * once it has been caught up, which makes a publisher drain a backlog one send per event.)
 * Failure handling is follow()'s: a failing batch is redone event by event with backoff, an event that
 * still fails is parked, infrastructure errors are thrown to the caller.
 */
export type FollowOutboundOptions = Omit<FollowOptions, 'writer'> & { writer: OutboundWriter };

export async function followOutbound(options: FollowOutboundOptions): Promise<Position | undefined> {
  const { store, projection, writer, signal, retry, logger, hooks } = options;
  let checkpoint = options.from;
  let live = false;

  // The checkpoint trails the acknowledgements without holding up the next send: acknowledged batches
  // queue here and one write at a time moves the checkpoint over all of them (coalescing while a write
  // is in flight). It never moves over anything Kafka has not acknowledged.
  let acked: { last: RecordedEvent; count: number } | undefined;
  let sentUpTo = options.from; // the newest position Kafka acknowledged (or the checkpoint, if newer)
  let writing: Promise<void> | undefined;
  let writeError: unknown;
  const moved = (last: RecordedEvent, count: number) => {
    checkpoint = last.position;
    if (!sentUpTo || comparePositions(checkpoint, sentUpTo) > 0) sentUpTo = checkpoint;
    hooks.committed(checkpoint, [], last, count);
  };
  const writeCheckpoints = () => {
    writing ??= (async () => {
      try {
        while (acked && writeError === undefined) {
          const { last, count } = acked;
          acked = undefined;
          await writer.checkpointTo(checkpoint, last);
          moved(last, count);
        }
      } catch (error) {
        writeError = error;
      } finally {
        writing = undefined;
      }
    })();
  };
  /** Waits until every acknowledged batch is checkpointed; throws what a checkpoint write threw. */
  const drain = async () => {
    while (writing) await writing;
    if (writeError !== undefined) throw writeError;
  };

  const commit = async (events: RecordedEvent[], prepared?: { value: unknown }) => {
    const last = events[events.length - 1]!;
    if (writeError !== undefined) throw writeError;
    if (!prepared) {
      await drain();
      await writer.applyBatch(events, checkpoint);
      moved(last, events.length);
      return;
    }
    await writer.deliverPrepared(events, prepared.value);
    sentUpTo = last.position;
    acked = { last, count: events.length + (acked?.count ?? 0) };
    writeCheckpoints();
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
            checkpoint = event.position;
            sentUpTo = checkpoint;
            options.metrics.inc('projection_parked_events_total', { projection: projection.name });
            logger.error(
              {
                err: error,
                projection: projection.name,
                eventId: event.id,
                type: event.type,
                attempts: attempt,
              },
              'event cannot be published; parked',
            );
            hooks.parked(event, error);
            hooks.committed(checkpoint, [], event, 1);
            break;
          }
          logger.warn(
            { err: error, projection: projection.name, eventId: event.id, attempt },
            'publish failed',
          );
          await sleep(backoffMs(attempt, retry.baseMs, retry.maxMs), signal);
        }
      }
    }
  };

  const flush = async (events: RecordedEvent[], prepared: { value: unknown } | undefined) => {
    try {
      // Not prepared: one of the events cannot be mapped; event by event finds and parks it.
      if (!prepared) throw new Error('batch could not be prepared');
      await commit(events, prepared);
    } catch (error) {
      if (isInfrastructureError(error)) throw error;
      await applyOneByOne(events);
    }
  };

  const caughtUp = async (position: Position | undefined) => {
    if (writeError !== undefined) throw writeError;
    // Moves past the events the filter skipped, so waiting for any position ends. (Live, the position is
    // usually the event just sent: then nothing waits for its checkpoint write.)
    if (position && (!sentUpTo || comparePositions(position, sentUpTo) > 0)) {
      await drain();
      await writer.advance(checkpoint, position);
      sentUpTo = position;
      checkpoint = position;
      hooks.committed(checkpoint, [], undefined, 0);
    }
    if (!live) {
      live = true;
      logger.info({ position: checkpoint && positionToString(checkpoint) }, 'publisher caught up');
    }
    hooks.caughtUp();
  };

  const filter = projection.eventTypes.length > 0 ? { eventTypes: projection.eventTypes } : undefined;
  const iterator = store
    .subscribeToAll({ ...(checkpoint ? { after: checkpoint } : {}), ...(filter ? { filter } : {}), signal })
    [Symbol.asyncIterator]();
  let pending: Promise<Next> | undefined;
  const peek = () => {
    pending ??= iterator.next();
    return pending;
  };
  const take = () => {
    const next = peek();
    pending = undefined;
    return next;
  };

  // Pipelining: while batch N is on its way to Kafka (and its checkpoint), batch N+1 is collected and
  // prepared (mapped, validated, serialised). Batches still go out one after the other, in log order, and
  // each checkpoint only after its own acknowledgement.
  let flushing: Promise<void> = Promise.resolve();
  let flushed = true;
  const startFlush = (events: RecordedEvent[], prepared: { value: unknown } | undefined) => {
    flushed = false;
    flushing = flush(events, prepared).finally(() => {
      flushed = true;
    });
    flushing.catch(() => {}); // awaited below; this only keeps it from counting as unhandled meanwhile
  };
  const prepare = (events: RecordedEvent[]) => {
    try {
      return { value: writer.prepare(events) };
    } catch {
      return undefined;
    }
  };

  hooks.catchingUp();
  try {
    let held: Next | undefined;
    for (;;) {
      const first = held ?? (await take());
      held = undefined;
      if (first.done) break;
      if (first.value.kind === 'caught-up') {
        await flushing;
        await caughtUp(first.value.position);
        continue;
      }
      const events = [first.value.event];
      // One turn of the event loop per collection round (not one per event): a page the store has
      // already read drains within it.
      let turn = nextTurn();
      while (events.length < options.batchSize) {
        let next = await Promise.race([peek(), turn]);
        if (next === undefined) {
          // Nothing ready: send now, unless the previous batch is still out; then wait for whichever
          // comes first, the next event or the end of that send.
          if (flushed) break;
          const raced = await Promise.race([
            peek(),
            flushing.then(
              () => undefined,
              () => undefined,
            ),
          ]);
          if (raced === undefined) {
            turn = nextTurn(); // the previous batch is done: look once more, then send
            continue;
          }
          next = raced;
        }
        pending = undefined;
        if (next.done || next.value.kind !== 'event') {
          held = next;
          break;
        }
        events.push(next.value.event);
      }
      const prepared = prepare(events);
      await flushing;
      // Start reading the next page while this batch is on its way.
      peek().catch(() => {});
      startFlush(events, prepared);
    }
    await flushing;
    await drain();
  } finally {
    // Never leave a send or a checkpoint write running behind a restart: the next run starts from the
    // checkpoint this one leaves.
    await flushing.catch(() => {});
    while (writing) await writing;
    // Not awaited: a pending next() (a live wait) ends with the signal.
    void iterator.return?.(undefined)?.catch(() => {});
  }
  return checkpoint;
}
