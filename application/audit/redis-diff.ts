import type { Redis } from 'ioredis';
import type { TableDiff } from './read-model-diff.ts';

/** Every key under `prefix` (below the client's own keyPrefix) with its hash fields, by the key's suffix. */
async function docsUnder(redis: Redis, prefix: string): Promise<Map<string, string>> {
  const clientPrefix = redis.options.keyPrefix ?? '';
  const docs = new Map<string, string>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${clientPrefix}${prefix}*`, 'COUNT', 500);
    cursor = next;
    for (const full of keys) {
      const key = full.slice(clientPrefix.length);
      const fields = await redis.hgetall(key);
      docs.set(key.slice(prefix.length), JSON.stringify(Object.entries(fields).sort()));
    }
  } while (cursor !== '0');
  return docs;
}

/** Compares two Redis read-model generations key by key (same suffix, same fields). */
export async function diffRedisPrefixes(redis: Redis, a: string, b: string): Promise<TableDiff[]> {
  const [docsA, docsB] = await Promise.all([docsUnder(redis, a), docsUnder(redis, b)]);
  let onlyInA = 0;
  let onlyInB = 0;
  for (const [key, value] of docsA) if (docsB.get(key) !== value) onlyInA += 1;
  for (const [key, value] of docsB) if (docsA.get(key) !== value) onlyInB += 1;
  return [{ table: `redis ${b}*`, onlyInA, onlyInB }];
}
