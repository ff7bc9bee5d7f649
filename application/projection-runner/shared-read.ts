import type { EventStore, SubscribeOptions, SubscriptionItem } from '../../infra/eventstore/port.ts';
import { comparePositions, maxPosition, type Position } from '../../infra/eventstore/position.ts';
import { readsAhead } from '../../infra/eventstore/read-ahead.ts';

/** One rebuild's view of the shared read: the store, and `leave` for when that rebuild ends. */
export type SharedReadMember = EventStore & { leave(): void };

type Member = {
  after: Position | undefined;
  /** Undefined: every type. */
  types: ReadonlySet<string> | undefined;
  queue: SubscriptionItem[];
  ended: boolean;
  wake: () => void;
};

const later = (a: Position | undefined, b: Position | undefined) => (a && b ? maxPosition(a, b) : (a ?? b));

/**
 * One read of the log for several rebuilds running at once (`npm run replay -- --all`): each rebuild gets
 * a member store, and the first subscription of every member joins one subscription of `store`, opened
 * once every member has joined or left: from the earliest member's start, over the union of their event
 * types. Each member is handed, in log order, the events past its own start of the types it asked for,
 * and every caught-up marker (never behind its own start). The read moves at the pace of the slowest
 * member, each holding at most `depth` items, so memory stays bounded; a member that stops (its rebuild
 * caught up, failed or was aborted) no longer holds it back. A member's later subscriptions (a rebuild
 * catching up again before its swap) and one filtered by stream read `store` on their own.
 *
 * Every member must join or `leave`, or the others wait: the caller runs all the rebuilds at once.
 */
export function createSharedRead(store: EventStore, members: number, depth = 2_000) {
  let expected = members;
  const joined: Member[] = [];
  let started = false;
  let finished = false;
  let failure: { error: unknown } | undefined;
  const stop = new AbortController();
  let wakeReader = () => {};

  const end = (member: Member) => {
    if (member.ended) return;
    member.ended = true;
    member.queue.length = 0;
    member.wake();
    wakeReader();
    // Before the read starts, a member that ends is only left out of it (the others still need it).
    if (started && joined.every((m) => m.ended)) stop.abort();
  };

  const read = async () => {
    const reading = joined.filter((m) => !m.ended);
    const after = reading.some((m) => !m.after)
      ? undefined
      : reading.map((m) => m.after).reduce((a, b) => (comparePositions(a!, b!) <= 0 ? a : b));
    const types = reading.some((m) => !m.types)
      ? undefined
      : [...new Set(reading.flatMap((m) => [...m.types!]))];
    try {
      const subscription = store.subscribeToAll({
        ...(after ? { after } : {}),
        ...(types ? { filter: { eventTypes: types } } : {}),
        signal: stop.signal,
      });
      for await (const item of subscription) {
        for (const member of joined) {
          if (member.ended) continue;
          if (item.kind === 'caught-up') {
            member.queue.push({ kind: 'caught-up', position: later(item.position, member.after) });
          } else {
            const { position, type } = item.event;
            if (member.after && comparePositions(position, member.after) <= 0) continue;
            if (member.types && !member.types.has(type)) continue;
            member.queue.push(item);
          }
          member.wake();
        }
        while (!stop.signal.aborted && joined.some((m) => !m.ended && m.queue.length >= depth)) {
          await new Promise<void>((resolve) => {
            wakeReader = resolve;
          });
        }
        if (stop.signal.aborted) break;
      }
    } catch (error) {
      if (!stop.signal.aborted) failure = { error };
    } finally {
      finished = true;
      for (const member of joined) member.wake();
    }
  };

  const startWhenAllIn = () => {
    if (started || joined.length < expected) return;
    started = true;
    if (joined.some((m) => !m.ended)) void read();
    else stop.abort();
  };

  async function* deliver(member: Member, signal: AbortSignal | undefined): AsyncGenerator<SubscriptionItem> {
    try {
      for (;;) {
        const item = member.queue.shift();
        if (item) {
          wakeReader();
          yield item;
          continue;
        }
        if (member.ended || signal?.aborted) return;
        if (failure) throw failure.error;
        // The log's subscription never ends by itself: a member still reading must not take this for the end.
        if (finished) throw new Error('the shared read of the log stopped before this rebuild caught up');
        await new Promise<void>((resolve) => {
          member.wake = resolve;
        });
      }
    } finally {
      end(member);
    }
  }

  return {
    member(): SharedReadMember {
      let state: 'new' | 'joined' | 'left' = 'new';
      let self: Member | undefined;
      const withdraw = () => {
        state = 'left';
        expected -= 1;
        startWhenAllIn();
      };
      return {
        appendToStream: (...args) => store.appendToStream(...args),
        readStream: (...args) => store.readStream(...args),
        readAll: (...args) => store.readAll(...args),
        headPosition: () => store.headPosition(),
        close: () => store.close(),
        subscribeToAll(options?: SubscribeOptions) {
          if (state !== 'new') return store.subscribeToAll(options);
          if (started || options?.filter?.streamPrefixes) {
            withdraw();
            return store.subscribeToAll(options);
          }
          state = 'joined';
          const types = options?.filter?.eventTypes;
          self = {
            after: options?.after,
            types: types ? new Set(types) : undefined,
            queue: [],
            ended: false,
            wake: () => {},
          };
          joined.push(self);
          // Ends the member on abort even while it waits, or before it has pulled anything.
          const member = self;
          options?.signal?.addEventListener('abort', () => end(member), { once: true });
          startWhenAllIn();
          // Read ahead already (the shared read fills the member's queue): a follow takes it as it is.
          return Object.assign(deliver(member, options?.signal), {
            [readsAhead]: () => member.queue.length,
          });
        },
        leave() {
          if (state === 'new') withdraw();
          else if (self) end(self);
        },
      };
    },
  };
}
