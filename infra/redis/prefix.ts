import type { Redis } from 'ioredis';

/**
 * The namespace of one deployment in a Redis server that several deployments may share. Redis pub/sub
 * ignores the database index, and a key such as `idem:…` or `rl:…` means nothing outside the deployment
 * that wrote it, so every key and channel lives under this prefix (ioredis adds it to keys; channel names
 * add it themselves, see application/projection-runner/checkpoint-channel.ts).
 *
 * REDIS_PREFIX when set (empty counts as unset), else the database name in
 * DATABASE_URL followed by `:` (`postgres://…/shop` → `shop:`): two deployments with their own databases
 * on one PostgreSQL server are apart without any setting. Deployments on different PostgreSQL servers
 * whose databases have the same name must set REDIS_PREFIX (docs/operations.md).
 */
export function deploymentRedisPrefix(config: {
  REDIS_PREFIX?: string | undefined;
  DATABASE_URL: string;
}): string {
  if (config.REDIS_PREFIX) return config.REDIS_PREFIX;
  const name = decodeURIComponent(new URL(config.DATABASE_URL).pathname.replace(/^\//, ''));
  return `${name || 'postgres'}:`;
}

/**
 * Deletes every key under `prefix` (below the client's keyPrefix). SCAN sees full key names, while UNLINK
 * gets the client's keyPrefix added again: it is stripped.
 */
export async function deleteRedisPrefix(redis: Redis, prefix: string): Promise<void> {
  const clientPrefix = redis.options.keyPrefix ?? '';
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${clientPrefix}${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys.map((key) => key.slice(clientPrefix.length)));
  } while (cursor !== '0');
}
