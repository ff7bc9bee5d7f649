import { setTimeout as sleep } from 'node:timers/promises';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../../logger.ts';
import { StreamNotFound, VersionConflict } from '../errors.ts';
import type { AppendResult, EventStore, EventToAppend, ExpectedRevision, RecordedEvent } from '../port.ts';
import { eventHash, GENESIS_HASH, HASH_KEY, metadataWithoutHash, storedHash } from './chain.ts';

/** A stream's newest link as this process last saw it. (stream, revision) → hash never changes once written. */
type ChainHead = { revision: bigint; hash: string };

export type HashChainOptions = {
  /** Streams whose head hash is remembered (LRU). Default 10,000. */
  cacheSize?: number;
  /** Attempts for an `any`/`stream_exists` append, which is pinned to the head it read. Default 16. */
  maxAttempts?: number;
  logger?: Logger;
};

/**
 * Tamper evidence for every append, whoever appends: each event's metadata gets `hash`, chained to the
 * previous event of its stream (see chain.ts). Reads pass through unchanged.
 *
 * The previous hash must be the stream's real head, so every append is pinned to an exact revision:
 * - exact revision r: the cached head vouches when it stands at r; otherwise the stream's last event is read.
 *   A wrong guess is harmless: the store's compare-and-set refuses the append anyway.
 * - `no_stream`: the genesis hash.
 * - `any` / `stream_exists`: the head is read and the append sent at that exact revision, in a bounded
 *   retry loop on conflict. A retry of events already at the head succeeds without appending (idempotence);
 *   a retry of events that others have since appended behind surfaces the store's error instead.
 */
export function withHashChain(store: EventStore, options: HashChainOptions = {}): EventStore {
  // Least recently used heads are forgotten first; a forgotten head is read from the store again.
  const cache = new LRUCache<string, ChainHead>({ max: options.cacheSize ?? 10_000 });
  const maxAttempts = options.maxAttempts ?? 16;

  const chain = (previous: string, events: readonly EventToAppend[]) => {
    let hash = previous;
    const chained = events.map((event) => {
      const metadata = metadataWithoutHash(event.metadata);
      hash = eventHash(hash, { type: event.type, data: event.data, metadata });
      return { ...event, metadata: { ...metadata, [HASH_KEY]: hash } };
    });
    return { chained, last: hash };
  };

  const readHead = async (stream: string, count = 1): Promise<RecordedEvent[]> => {
    try {
      return await store.readStream(stream, { direction: 'backwards', maxCount: count });
    } catch (error) {
      if (error instanceof StreamNotFound) return [];
      throw error;
    }
  };

  /** The hash of the event at `revision`, from the cache or the store; genesis when it cannot exist. */
  const hashAt = async (stream: string, revision: bigint): Promise<string> => {
    const cached = cache.get(stream);
    if (cached && cached.revision === revision) return cached.hash;
    const [head] = await readHead(stream);
    if (!head || head.revision < revision) return GENESIS_HASH; // the append will conflict
    if (head.revision === revision) return storedHash(head.metadata) ?? GENESIS_HASH;
    const [at] = await store.readStream(stream, { fromRevision: revision, maxCount: 1 });
    return storedHash(at?.metadata) ?? GENESIS_HASH;
  };

  const appendAt = async (
    stream: string,
    events: EventToAppend[],
    expected: bigint | 'no_stream',
    previous: string,
  ): Promise<AppendResult> => {
    const { chained, last } = chain(previous, events);
    try {
      const result = await store.appendToStream(stream, chained, { expectedRevision: expected });
      if (events.length > 0) cache.set(stream, { revision: result.nextExpectedRevision, hash: last });
      return result;
    } catch (error) {
      if (error instanceof VersionConflict) cache.delete(stream);
      throw error;
    }
  };

  const appendAtHead = async (
    stream: string,
    events: EventToAppend[],
    original: 'any' | 'stream_exists',
  ): Promise<AppendResult> => {
    for (let attempt = 1; ; attempt++) {
      const tail = await readHead(stream, Math.max(1, events.length));
      const head = tail[0];
      if (!head && original === 'stream_exists') throw new VersionConflict(stream, original, undefined);
      // The same events already at the head: an idempotent retry.
      if (events.length > 0 && tail.length >= events.length) {
        const ids = tail
          .slice(0, events.length)
          .map((e) => e.id)
          .reverse();
        if (ids.every((id, i) => id === events[i]!.id)) {
          return { nextExpectedRevision: head!.revision, position: head!.position };
        }
      }
      const headInfo: ChainHead | undefined = head && {
        revision: head.revision,
        hash: storedHash(head.metadata) ?? GENESIS_HASH,
      };
      try {
        return await appendAt(
          stream,
          events,
          headInfo ? headInfo.revision : 'no_stream',
          headInfo ? headInfo.hash : GENESIS_HASH,
        );
      } catch (error) {
        if (!(error instanceof VersionConflict) || attempt >= maxAttempts) {
          if (error instanceof VersionConflict) throw new VersionConflict(stream, original, error.actual);
          throw error;
        }
        options.logger?.debug({ stream, attempt }, 'hash chain: head moved, re-reading');
        await sleep(Math.random() * Math.min(50, 2 ** attempt));
      }
    }
  };

  return {
    async appendToStream(stream, events, appendOptions) {
      const expected: ExpectedRevision = appendOptions?.expectedRevision ?? 'any';
      if (expected === 'no_stream') return appendAt(stream, events, 'no_stream', GENESIS_HASH);
      if (typeof expected === 'bigint')
        return appendAt(stream, events, expected, await hashAt(stream, expected));
      return appendAtHead(stream, events, expected);
    },
    readStream: (stream, readOptions) => store.readStream(stream, readOptions),
    readAll: (readOptions) => store.readAll(readOptions),
    subscribeToAll: (subscribeOptions) => store.subscribeToAll(subscribeOptions),
    headPosition: () => store.headPosition(),
    close: () => store.close(),
  };
}
