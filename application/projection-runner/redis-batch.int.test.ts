import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../infra/eventstore/port.ts';
import { createRedis, deleteKeysWithPrefix } from '../../infra/redis/client.ts';
import { redisUrl, testKeyPrefix } from '../../test/support/isolation.ts';
import { createRedisBatch } from './redis-batch.ts';
import { createRedisDocWriter } from './redis-docs.ts';
import type { RedisProjection } from './types.ts';

const redis = createRedis({ url: redisUrl, keyPrefix: testKeyPrefix('redisbatch') });
const logger = pino({ level: 'silent' });

afterAll(async () => {
  await deleteKeysWithPrefix(redis).catch(() => 0);
  redis.disconnect();
});

type Sum = { sum: number; count: number };

/** Exercises every writer operation: read-modify-write, delete (tombstone), and a read of another key. */
const sums: RedisProjection = {
  kind: 'redis',
  name: 'sums',
  eventTypes: ['Added'],
  async apply(event, docs, context) {
    const key = String(event.data.key);
    const n = Number(event.data.n);
    if (n % 7 === 0) {
      await docs.update(key, () => null);
      return;
    }
    await docs.update<Sum>(key, (current) => ({
      sum: (current?.sum ?? 0) + n,
      count: (current?.count ?? 0) + 1,
    }));
    const other = await docs.get<Sum>(String(event.data.other));
    if (other)
      await docs.update<Sum>(`copy:${key}`, (current) => ({
        sum: other.sum,
        count: (current?.count ?? 0) + 1,
      }));
    context.invalidate(key);
  },
};

/** The same, naming some of its keys up front (not `other` or `copy:`, which are then read when asked). */
let applied = 0;
const namedSums: RedisProjection = {
  ...sums,
  apply: (event, docs, context) => {
    applied += 1;
    return sums.apply(event, docs, context);
  },
  keys: (event) => [String(event.data.key)],
};

const log: RecordedEvent[] = Array.from({ length: 400 }, (_, i) => {
  const n = BigInt(i + 1);
  return {
    id: `e${i}`,
    type: 'Added',
    streamName: `s-${i % 9}`,
    revision: BigInt(Math.floor(i / 9)),
    position: { commit: n, prepare: n },
    data: { key: `k${(i * 7) % 13}`, other: `k${(i * 5) % 13}`, n: (i * 31) % 50 },
    metadata: {},
    recordedAt: new Date(0),
  };
});

async function dump(prefix: string) {
  const full = `${redis.options.keyPrefix}${prefix}`;
  const keys = (await redis.keys(`${full}*`)).map((k) => k.slice(full.length)).sort();
  const out: Record<string, Record<string, string>> = {};
  for (const key of keys) out[key] = await redis.hgetall(prefix + key);
  return out;
}

async function applyBatched(
  prefix: string,
  events: readonly RecordedEvent[],
  invalidated: Set<string>,
  projection: RedisProjection = sums,
) {
  const context = { prefix, invalidate: (k: string) => invalidated.add(k), logger };
  const batch = createRedisBatch(redis, prefix);
  await batch.prefetch(projection, events, context);
  for (const event of events) await projection.apply(event, batch.writer(event.position), context);
  await batch.flush();
}

describe('Redis batches (createRedisBatch) against event-by-event writes', () => {
  beforeAll(async () => {
    await deleteKeysWithPrefix(redis).catch(() => 0);
  });

  it('leave identical documents and positions, and replaying a stretch again changes nothing', async () => {
    const perEvent = new Set<string>();
    for (const event of log) {
      const context = { prefix: 'a:', invalidate: (k: string) => perEvent.add(k), logger };
      await sums.apply(event, createRedisDocWriter(redis, 'a:', event.position), context);
    }
    const batched = new Set<string>();
    for (let from = 0, size = 1; from < log.length; from += size, size = (size * 3) % 97) {
      await applyBatched('b:', log.slice(from, from + size), batched);
    }
    const expected = await dump('a:');
    expect(Object.keys(expected).length).toBeGreaterThan(13);
    expect(await dump('b:')).toEqual(expected);
    expect([...batched].sort()).toEqual([...perEvent].sort());
    await applyBatched('b:', log.slice(100, 250), new Set());
    expect(await dump('b:')).toEqual(expected);
  });

  it('reads the keys a projection names without a dry run, and the ones it did not name when asked', async () => {
    const batched = new Set<string>();
    applied = 0;
    for (let from = 0, size = 1; from < log.length; from += size, size = (size * 3) % 97) {
      await applyBatched('n:', log.slice(from, from + size), batched, namedSums);
    }
    expect(applied).toBe(log.length);
    const expected = await dump('a:');
    expect(await dump('n:')).toEqual(expected);
  });

  it('fails the batch when another writer moved a key between its read and its write', async () => {
    const context = { prefix: 'c:', invalidate: () => {}, logger };
    const batch = createRedisBatch(redis, 'c:');
    const events = log.slice(0, 5);
    await batch.prefetch(sums, events, context);
    for (const event of events) await sums.apply(event, batch.writer(event.position), context);
    await redis.hset(`c:${String(events[0]!.data.key)}`, 'pos', '1.1', 'doc', '{}');
    await expect(batch.flush()).rejects.toThrow(/moved/);
  });
});
