import { type EventStoreDBClient, START } from '@eventstore/db-client';
import type { Logger } from '../../logger.ts';
import type { RecordedEvent, SubscribeOptions, SubscriptionItem } from '../port.ts';
import { comparePositions, type Position, positionToString } from '../position.ts';
import { matchesFilter, toRecordedEvent, toServerFilter } from './mapping.ts';
import { readSubscription } from './subscription-reader.ts';

export type ResubscribeBackoff = { initialMs: number; maxMs: number };

export type SubscriptionContext = {
  client: EventStoreDBClient;
  logger: Logger;
  backoff: ResubscribeBackoff;
  /** Registers a stop callback that `close()` calls; returns its removal. */
  onClose(stop: () => void): () => void;
};

/** Exponential, with jitter so that many subscribers dropped together do not return in step. */
const delayFor = (failures: number, { initialMs, maxMs }: ResubscribeBackoff) => {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(failures - 1, 20));
  return ceiling / 2 + Math.random() * (ceiling / 2);
};

/**
 * Catch-up then live over the client's `subscribeToAll`, resumed after every drop from the last
 * position this generator has seen, with backoff. The server's `fromPosition` is exclusive, and any
 * event at or before the last seen position is dropped anyway, so nothing is delivered twice; since
 * $all has no gaps and a resumed subscription starts right after the last position, nothing is skipped.
 */
export async function* subscribeWithResume(
  context: SubscriptionContext,
  options: SubscribeOptions = {},
): AsyncGenerator<SubscriptionItem> {
  const { client, logger, backoff } = context;
  const { signal, filter } = options;
  /** The last event seen on the wire, delivered or filtered out: where a resumed subscription starts. */
  let seen: Position | undefined = options.after;
  let stopping = signal?.aborted ?? false;
  let wakeReader: (() => void) | undefined;
  let cancelSleep: (() => void) | undefined;
  const stop = () => {
    stopping = true;
    wakeReader?.();
    cancelSleep?.();
  };
  signal?.addEventListener('abort', stop, { once: true });
  const removeCloseHook = context.onClose(stop);
  let failures = 0;
  try {
    while (!stopping) {
      const subscription = client.subscribeToAll({
        fromPosition: seen ?? START,
        filter: toServerFilter(filter),
      });
      // Live once the server said caught-up on this connection; from then on, running dry is caught-up too.
      let live = false;
      let deliveredSinceCaughtUp = false;
      // An event we cannot map is not a drop: resubscribing would skip it, so it ends the iteration.
      let unreadable: unknown;
      try {
        const items = readSubscription(
          subscription,
          () => stopping,
          (wake) => {
            wakeReader = wake;
          },
        );
        for await (const item of items) {
          if (item.kind === 'event') {
            const event = item.resolved.event;
            if (!event?.position) continue;
            const position = { commit: event.position.commit, prepare: event.position.prepare };
            if (seen && comparePositions(position, seen) <= 0) continue;
            failures = 0;
            if (!matchesFilter(filter, event.streamId, event.type)) {
              seen = position;
              continue;
            }
            let recorded: RecordedEvent;
            try {
              recorded = toRecordedEvent(item.resolved);
            } catch (error) {
              unreadable = error;
              throw error;
            }
            seen = position;
            deliveredSinceCaughtUp = true;
            yield { kind: 'event', event: recorded };
          } else if (item.kind === 'caught-up' || (live && deliveredSinceCaughtUp)) {
            live = true;
            failures = 0;
            deliveredSinceCaughtUp = false;
            yield { kind: 'caught-up', position: seen };
          }
        }
        if (stopping) break;
        logger.warn(
          { after: seen && positionToString(seen) },
          'EventStoreDB subscription ended; resubscribing',
        );
      } catch (error) {
        if (error === unreadable) throw error;
        if (stopping) break;
        logger.warn(
          { err: error, after: seen && positionToString(seen) },
          'EventStoreDB subscription dropped',
        );
      } finally {
        wakeReader = undefined;
        await subscription.unsubscribe().catch(() => {});
      }
      failures++;
      const delay = delayFor(failures, backoff);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        cancelSleep = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      cancelSleep = undefined;
    }
  } finally {
    signal?.removeEventListener('abort', stop);
    removeCloseHook();
  }
}
