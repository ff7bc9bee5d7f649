import { LRUCache } from 'lru-cache';
import type { CommandHandler, Loaded } from '../application/commands/command-handler.ts';
import type { Command, Decider, DomainEvent } from '../domain/shared/decider.ts';
import type { EventStore } from '../infra/eventstore/port.ts';
import type { Logger } from '../infra/logger.ts';

type Evolver = Pick<Decider<never, DomainEvent, unknown>, 'evolve'>;
type Entry = { state: unknown; revision: bigint; decider: Evolver };

export type FactViewsOptions = {
  store: EventStore;
  /** The read through on a miss: the command handler's load (state cache, snapshots, the stream). */
  load: CommandHandler['load'];
  /** The streams kept (by name prefix); any other stream is simply read through. */
  streamPrefixes?: readonly string[];
  capacity?: number;
  logger?: Logger;
  /** After a failed subscription, how long before the next (default 1 s). */
  retryMs?: number;
};

export type FactViews = {
  /** The stream's state as the view holds it, else read through (and kept): handler.load's shape. */
  load: CommandHandler['load'];
  /** The store with its appends to kept streams dropping their entries (this process's own writes). */
  watch(store: EventStore): EventStore;
  /** Resolves once the subscription has caught up for the first time (entries are kept from then). */
  ready(): Promise<void>;
  close(): Promise<void>;
  /** Entries held now (tests). */
  readonly size: number;
};

/**
 * In-process views of the facts a command consults but does not decide on (a product as the cart sells
 * it, the stock available now), so a cart command reads them without a database round trip. Each entry
 * is a stream's folded state at a revision, kept current by one subscription to the log (filtered to the
 * kept streams): the event at the next revision is folded in, a gap drops the entry. A miss reads
 * through the command handler and keeps the result unless the subscription has meanwhile delivered a
 * newer event of that stream (the read may have missed it); the process's own appends drop their entry.
 *
 * An entry is as fresh as the subscription: it may lag a change made elsewhere by the subscription's
 * lag. It is never trusted over an append's own concurrency check: the views are not used to decide on
 * the stream they show (a stock reservation decides on the stock stream, read and appended at its own
 * expected revision), so a stale view can at most let a customer cart what checkout then refuses.
 * Until the subscription has caught up (and after it fails, until it has again) every load reads through.
 */
export function createFactViews(options: FactViewsOptions): FactViews {
  const { store, logger } = options;
  const prefixes = options.streamPrefixes ?? ['product-', 'stock-'];
  const capacity = options.capacity ?? 10_000;
  const retryMs = options.retryMs ?? 1_000;
  // Least recently used entries are dropped first (get refreshes an entry's place, peek does not).
  const entries = new LRUCache<string, Entry>({ max: capacity });
  /** Streams being read through, with the newest revision the subscription delivered meanwhile. */
  const pending = new Map<string, { newest: bigint | undefined; readers: number }>();
  const controller = new AbortController();
  let live = false;
  let markReady: () => void = () => {};
  const readyOnce = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  const kept = (stream: string) => prefixes.some((prefix) => stream.startsWith(prefix));

  function apply(stream: string, revision: bigint, event: DomainEvent) {
    const waiting = pending.get(stream);
    if (waiting && (waiting.newest === undefined || revision > waiting.newest)) waiting.newest = revision;
    const entry = entries.peek(stream);
    if (!entry || revision <= entry.revision) return;
    if (revision !== entry.revision + 1n) {
      entries.delete(stream); // a gap: the next load reads through
      return;
    }
    entry.state = entry.decider.evolve(entry.state, event);
    entry.revision = revision;
  }

  async function follow() {
    while (!controller.signal.aborted) {
      try {
        const after = await store.headPosition();
        for await (const item of store.subscribeToAll({
          ...(after ? { after } : {}),
          filter: { streamPrefixes: prefixes },
          signal: controller.signal,
        })) {
          if (item.kind === 'caught-up') {
            live = true;
            markReady();
            continue;
          }
          const { streamName, revision, type, data } = item.event;
          apply(streamName, revision, { type, data } as DomainEvent);
        }
      } catch (error) {
        if (controller.signal.aborted) break;
        logger?.warn({ err: error }, 'fact views: subscription failed; reading through');
      }
      live = false;
      entries.clear();
      if (!controller.signal.aborted) await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
  }
  const following = follow();

  async function load<C extends Command, E extends DomainEvent, S>(
    decider: Decider<C, E, S>,
    stream: string,
    loadOptions?: { snapshots?: boolean },
  ): Promise<Loaded<S>> {
    if (!kept(stream)) return options.load(decider, stream, loadOptions);
    const entry = live ? entries.get(stream) : undefined;
    if (entry) {
      return { state: entry.state as S, revision: entry.revision };
    }
    const waiting = pending.get(stream) ?? { newest: undefined, readers: 0 };
    waiting.readers++;
    pending.set(stream, waiting);
    let loaded: Loaded<S>;
    try {
      loaded = await options.load(decider, stream, loadOptions);
    } finally {
      if (--waiting.readers === 0) pending.delete(stream);
    }
    const newer =
      waiting.newest !== undefined && (loaded.revision === undefined || waiting.newest > loaded.revision);
    if (live && !newer && loaded.revision !== undefined && !entries.has(stream)) {
      entries.set(stream, {
        state: loaded.state,
        revision: loaded.revision,
        decider: decider as unknown as Evolver,
      });
    }
    return loaded;
  }

  function watch(target: EventStore): EventStore {
    const appendToStream: EventStore['appendToStream'] = async (stream, events, appendOptions) => {
      if (!kept(stream)) return target.appendToStream(stream, events, appendOptions);
      entries.delete(stream);
      try {
        return await target.appendToStream(stream, events, appendOptions);
      } finally {
        entries.delete(stream); // a read through racing the append may have kept the older state
      }
    };
    // Everything else (the other methods, what composeStore attached) is the store's own.
    return new Proxy(target, {
      get: (store, property, receiver) =>
        property === 'appendToStream' ? appendToStream : Reflect.get(store, property, receiver),
    });
  }

  return {
    load,
    watch,
    ready: () => readyOnce,
    async close() {
      controller.abort();
      await following;
      entries.clear();
    },
    get size() {
      return entries.size;
    },
  };
}
