import { setTimeout as sleep } from 'node:timers/promises';
import type { Command, Decider, DomainEvent } from '../../domain/shared/decider.ts';
import { VersionConflict } from '../../infra/eventstore/errors.ts';
import type { EventStore, EventToAppend } from '../../infra/eventstore/port.ts';
import type { Position } from '../../infra/eventstore/position.ts';
import type { Logger } from '../../infra/logger.ts';
import type { Snapshots } from '../../infra/snapshots/snapshots.ts';
import { eventToAppend } from './event-to-append.ts';
import { foldStream } from './fold-stream.ts';
import type { CommandMetadata } from './metadata.ts';
import { StateCache } from './state-cache.ts';

export type Loaded<S> = {
  state: S;
  revision: bigint | undefined;
  /** The revision of the snapshot the load started from, when it did. */
  snapshotRevision?: bigint;
};

/**
 * The client's If-Match against the revision a state was loaded at: a VersionConflict (412) when one was
 * given and the stream has moved on. The handler checks it on each attempt; a route with a side effect
 * before its command (filing a category, destroying a person's keys) checks it first with this.
 */
export function requireRevision(stream: string, expected: bigint | undefined, actual: bigint | undefined) {
  if (expected !== undefined && expected !== actual) throw new VersionConflict(stream, expected, actual);
}

export type HandleRequest<C extends Command, E extends DomainEvent, S> = {
  decider: Decider<C, E, S>;
  stream: string;
  command: C;
  metadata: CommandMetadata;
  /**
   * The command as decided on this attempt's state (the cached state first; a fresh read after a
   * conflict, or after a refusal, a no-op or an If-Match mismatch on the cached state), for a command
   * whose content depends on that state: a cart line priced for the quantity it reaches. So the
   * content is always derived from the state it is decided on, never from an earlier read that another
   * writer could have overtaken. A refusal here counts as the decider's own.
   */
  refine?: (command: C, state: S) => C | Promise<C>;
  /** The client's If-Match: when given, a conflict is surfaced instead of retried. */
  expectedRevision?: bigint;
  /** Deterministic event ids for commands whose retry must not duplicate events (index = position in the decision). */
  eventId?: (index: number) => string;
  /**
   * Called before each retry after a version conflict (the metered handler counts them). A decision taken
   * again on a fresh read because the cached state refused or decided nothing is not a conflict retry.
   */
  onConflictRetry?: () => void;
};

export type HandleResult<S> = {
  events: EventToAppend[];
  state: S;
  /** The stream's revision after the command (unchanged when nothing was decided). */
  revision: bigint | undefined;
  /** Where the appended events stand in the global log; undefined when nothing was appended. */
  position: Position | undefined;
};

export type CommandHandlerOptions = {
  store: EventStore;
  logger?: Logger;
  clock?: () => Date;
  /** Conflict retries before giving up (each re-reads and decides again). Default: no count, only retryForMs. */
  maxRetries?: number;
  /**
   * How long a command keeps retrying conflicts (API.md: without If-Match the server retries them itself).
   * A time, not a count: N writers racing on one stream may each lose N − 1 rounds, and more arrive while
   * they do. Default 5000 ms; then the conflict surfaces (409 RES_3003).
   */
  retryForMs?: number;
  cacheSize?: number;
  /** Snapshots of long streams (docs/snapshots.md); without, a cold load folds the whole stream. */
  snapshots?: Snapshots;
  /**
   * Decide a command's first attempt on the cached state without reading the stream. The append's
   * expected revision stays the truth: a stale cache (another process wrote) conflicts and the retry
   * reads. A refusal, a no-op or an If-Match mismatch on cached state is decided again on a fresh read
   * before it is believed. Off by default; the command API turns it on (docs/architecture.md).
   */
  trustCache?: boolean;
};

/** The one command handler: load (cached state + newer events) → decide → append at the revision read. */
export function createCommandHandler(options: CommandHandlerOptions) {
  const { store, logger, snapshots, clock = () => new Date() } = options;
  const maxRetries = options.maxRetries ?? Number.POSITIVE_INFINITY;
  const retryForMs = options.retryForMs ?? 5_000;
  // One cache per decider: a stream is only ever folded by its own aggregate's decider.
  const caches = new WeakMap<object, StateCache>();
  const cacheFor = (decider: object) => {
    let cache = caches.get(decider);
    if (!cache) {
      cache = new StateCache(options.cacheSize);
      caches.set(decider, cache);
    }
    return cache;
  };

  /** Cached state, else a snapshot, else nothing; then the events after it. */
  async function load<C extends Command, E extends DomainEvent, S>(
    decider: Decider<C, E, S>,
    stream: string,
    options: { snapshots?: boolean } = {},
  ): Promise<Loaded<S>> {
    const cache = cacheFor(decider);
    const cached = cache.get<S>(stream);
    const snapshot =
      !cached && snapshots && options.snapshots !== false
        ? await snapshots.read<S>(decider, stream)
        : undefined;
    let folded = snapshot ? await foldStream(store, decider, stream, snapshot) : undefined;
    const fromSnapshot = folded !== undefined;
    if (snapshot && !folded) snapshots?.discard(stream);
    folded ??= await foldStream(store, decider, stream, cached);
    if (!folded) throw new Error('unreachable: a fold without a checked start always completes');
    const { state, revision, lastEventId } = folded;
    if (revision === undefined) return { state, revision };
    cache.set(stream, { state, revision });
    if (snapshots && lastEventId !== undefined) {
      snapshots.offer(
        decider,
        stream,
        { state, revision, eventId: lastEventId },
        { previousRevision: revision - BigInt(folded.folded), foldedFromStore: folded.folded },
      );
    }
    return fromSnapshot && snapshot
      ? { state, revision, snapshotRevision: snapshot.revision }
      : { state, revision };
  }

  async function handle<C extends Command, E extends DomainEvent, S>(
    request: HandleRequest<C, E, S>,
  ): Promise<HandleResult<S>> {
    const { decider, stream, command, metadata } = request;
    const cache = cacheFor(decider);
    let trusted = options.trustCache ? cache.get<S>(stream) : undefined;
    const giveUpAt = performance.now() + retryForMs;
    for (let attempt = 0; ; attempt++) {
      const fromCache = trusted !== undefined;
      const loaded: Loaded<S> = trusted ?? (await load(decider, stream));
      trusted = undefined;
      if (request.expectedRevision !== undefined && request.expectedRevision !== loaded.revision) {
        if (fromCache) continue;
        throw new VersionConflict(stream, request.expectedRevision, loaded.revision);
      }
      let decided: E[];
      try {
        const refined = request.refine ? await request.refine(command, loaded.state) : command;
        decided = decider.decide(refined, loaded.state);
      } catch (refusal) {
        if (fromCache) continue;
        throw refusal;
      }
      if (decided.length === 0) {
        if (fromCache) continue;
        return { events: [], state: loaded.state, revision: loaded.revision, position: undefined };
      }
      // A decider's event its own schema refuses is a defect: it fails the command, and is never stored.
      const occurredAt = clock();
      const events: EventToAppend[] = decided.map((event, index) =>
        eventToAppend(event, metadata, occurredAt, request.eventId?.(index)),
      );
      try {
        const result = await store.appendToStream(stream, events, {
          expectedRevision: loaded.revision === undefined ? 'no_stream' : loaded.revision,
        });
        const state = decided.reduce(decider.evolve, loaded.state);
        cache.set(stream, { state, revision: result.nextExpectedRevision });
        const last = events[events.length - 1];
        if (snapshots && last) {
          snapshots.offer(
            decider,
            stream,
            { state, revision: result.nextExpectedRevision, eventId: last.id },
            { previousRevision: loaded.revision, foldedFromStore: 0 },
          );
        }
        return { events, state, revision: result.nextExpectedRevision, position: result.position };
      } catch (error) {
        if (!(error instanceof VersionConflict)) throw error;
        cache.delete(stream);
        if (request.expectedRevision !== undefined) throw error;
        if (attempt >= maxRetries || performance.now() >= giveUpAt) throw error;
        logger?.debug(
          { stream, attempt, command: command.type },
          'version conflict, retrying with fresh state',
        );
        request.onConflictRetry?.();
        // Full jitter, growing to 100 ms: racing writers spread out instead of colliding again in
        // lockstep, and a long race costs a read and an append every 50 ms on average, not more.
        await sleep(Math.random() * Math.min(100, 2 ** attempt));
      }
    }
  }

  /**
   * A command decided and appended outside `handle` (the stock writer's batches, the checkout record,
   * which skip reads on purpose) runs through here, so a metered handler counts it like its own.
   * `changed` tells from the result whether the command decided any event (else it counts as `noop`).
   */
  function track<T>(_type: string, run: () => Promise<T>, _changed: (result: T) => boolean): Promise<T> {
    return run();
  }

  return { handle, load, track };
}

export type CommandHandler = ReturnType<typeof createCommandHandler>;
