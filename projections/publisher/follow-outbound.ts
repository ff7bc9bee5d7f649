import type { RecordedEvent, SubscriptionItem } from '../../infra/eventstore/port.ts';
import { comparePositions, type Position, positionToString } from '../../infra/eventstore/position.ts';
import { backoffMs, isInfrastructureError, sleep } from '../runner/failures.ts';
import type { FollowOptions } from '../runner/follow.ts';

type Next = IteratorResult<SubscriptionItem>;

/** The item if it is ready before the next turn of the event loop, else undefined (it stays pending). */
const readyNow = (pending: Promise<Next>) =>
  Promise.race([pending, new Promise<undefined>((resolve) => setImmediate(() => resolve(undefined)))]);

/**
 * follow() for an outbound projection, with adaptive batching: a batch takes every event the
 * subscription already holds (up to `batchSize`) and is sent as soon as the next one would mean waiting.
 * So a backlog goes out in full batches, also one that builds up while live (a broker outage, a burst),
 * and a lone live event goes out at once. (The runner's follow() sends one event per batch for good
 * once it has been caught up, which makes a publisher drain a backlog one send per event.)
 * Failure handling is follow()'s: a failing batch is redone event by event with backoff, an event that
 * still fails is parked, infrastructure errors are thrown to the caller.
 */
export async function followOutbound(options: FollowOptions): Promise<Position | undefined> {
  const { store, projection, writer, signal, retry, logger, hooks } = options;
  let checkpoint = options.from;
  let live = false;

  const commit = async (events: RecordedEvent[]) => {
    await writer.applyBatch(events, checkpoint);
    const lastEvent = events[events.length - 1]!;
    checkpoint = lastEvent.position;
    hooks.committed(checkpoint, [], lastEvent, events.length);
  };

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

  const flush = async (events: RecordedEvent[]) => {
    try {
      await commit(events);
    } catch (error) {
      if (isInfrastructureError(error)) throw error;
      await applyOneByOne(events);
    }
  };

  const caughtUp = async (position: Position | undefined) => {
    // Moves past the events the filter skipped, so waiting for any position ends.
    if (position && (!checkpoint || comparePositions(position, checkpoint) > 0)) {
      await writer.advance(checkpoint, position);
      checkpoint = position;
      hooks.committed(checkpoint, [], undefined, 0);
    }
    if (!live) {
      live = true;
      logger.info(
        { projection: projection.name, position: checkpoint && positionToString(checkpoint) },
        'publisher caught up',
      );
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

  hooks.catchingUp();
  try {
    let held: Next | undefined;
    for (;;) {
      const first = held ?? (await take());
      held = undefined;
      if (first.done) break;
      if (first.value.kind === 'caught-up') {
        await caughtUp(first.value.position);
        continue;
      }
      const events = [first.value.event];
      while (events.length < options.batchSize) {
        const next = await readyNow(peek());
        if (next === undefined) break; // the next one means waiting: send what we have
        pending = undefined;
        if (next.done || next.value.kind !== 'event') {
          held = next;
          break;
        }
        events.push(next.value.event);
      }
      await flush(events);
    }
  } finally {
    // Not awaited: a pending next() (a live wait) ends with the signal.
    void iterator.return?.(undefined)?.catch(() => {});
  }
  return checkpoint;
}
