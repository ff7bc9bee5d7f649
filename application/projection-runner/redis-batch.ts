import type { Redis } from 'ioredis';
import type { RecordedEvent } from '../../infra/eventstore/port.ts';
import {
  comparePositions,
  type Position,
  parsePosition,
  positionToString,
} from '../../infra/eventstore/position.ts';
import { runScript } from '../../infra/redis/script.ts';
import { untraced } from '../../infra/telemetry/index.ts';
import { GUARDED_WRITES, READ_DOCS, type RedisDocWriter } from './redis-docs.ts';
import type { RedisApplyContext, RedisProjection } from './types.ts';

/** One key as the batch sees it: what Redis held when read, and what the batch has made of it since. */
type Entry = {
  /** `pos` as read from Redis ('' when absent): the compare-and-set expectation of the final write. */
  readPos: string;
  /** Position of the last event reflected (read, or written by this batch). */
  position: Position | undefined;
  /** Document JSON ('' for absent or deleted); parsed afresh on every read, as a Redis read would be. */
  doc: string;
  dirty: boolean;
};

/**
 * A batch of a Redis projection in two round trips instead of two per event: (1) the keys the batch will
 * touch (the projection's `keys`, or a dry run of its handlers against a writer that only records keys)
 * are read by one script (READ_DOCS); (2) the handlers run for real, event by event in log order, against
 * those documents in memory, under the same per-key position guard; (3) each changed key is written once
 * by one script (GUARDED_WRITES), with the position of the last event that changed it, compare-and-set
 * against what was read. A key another writer moved in between makes the batch fail, and the runner redoes
 * it event by event.
 */
export function createRedisBatch(redis: Redis, prefix: string) {
  const entries = new Map<string, Entry>();

  const load = async (keys: readonly string[]) => {
    const missing = [...new Set(keys)].filter((key) => !entries.has(key));
    if (missing.length === 0) return;
    const reply = (await runScript(
      redis,
      READ_DOCS,
      missing.map((key) => prefix + key),
      [],
    )) as (string | null)[];
    missing.forEach((key, i) => {
      const pos = reply[2 * i] ?? null;
      entries.set(key, {
        readPos: pos ?? '',
        position: pos ? parsePosition(pos) : undefined,
        doc: reply[2 * i + 1] ?? '',
        dirty: false,
      });
    });
  };

  const entry = async (key: string) => {
    if (!entries.has(key)) await load([key]);
    return entries.get(key)!;
  };

  const writerFor = (position: Position): RedisDocWriter => ({
    async get<T>(key: string) {
      const { doc } = await entry(key);
      return doc ? (JSON.parse(doc) as T) : undefined;
    },
    async update<T>(key: string, change: (current: T | undefined) => T | null | undefined) {
      const found = await entry(key);
      if (found.position && comparePositions(found.position, position) >= 0) return false;
      const next = change(found.doc ? (JSON.parse(found.doc) as T) : undefined);
      if (next === undefined) return false;
      found.doc = next === null ? '' : JSON.stringify(next);
      found.position = position;
      found.dirty = true;
      return true;
    },
  });

  return {
    /**
     * Reads every key the batch will touch, in one pipeline: the projection's `keys`, or else the keys its
     * handlers ask for in a dry run (a handler that fails there is ignored).
     */
    async prefetch(
      projection: RedisProjection,
      events: readonly RecordedEvent[],
      context: RedisApplyContext,
    ) {
      const keys: string[] = [];
      if (projection.keys) {
        for (const event of events) for (const key of projection.keys(event)) keys.push(key);
        await load(keys);
        return;
      }
      const recorder: RedisDocWriter = {
        get: async (key) => {
          keys.push(key);
          return undefined;
        },
        update: async (key) => {
          keys.push(key);
          return false;
        },
      };
      const quiet = {
        ...context,
        invalidate: () => {},
        logger: context.logger.child({}, { level: 'silent' }),
      };
      // A dry run to learn the keys: untraced, so it does not show as applying the events.
      await untraced(async () => {
        for (const event of events) await projection.apply(event, recorder, quiet).catch(() => {});
      });
      await load(keys);
    },
    writer: writerFor,
    /** Writes every changed key once; throws if any moved since it was read. */
    async flush() {
      const dirty = [...entries.entries()].filter(([, e]) => e.dirty);
      if (dirty.length === 0) return;
      const keys = dirty.map(([key]) => prefix + key);
      const args = dirty.flatMap(([, e]) => [positionToString(e.position!), e.readPos, e.doc]);
      const results = (await runScript(redis, GUARDED_WRITES, keys, args)) as number[];
      const moved = results.filter((result) => result === -1).length;
      if (moved > 0) throw new Error(`${moved} read-model keys moved during the batch`);
    },
  };
}
