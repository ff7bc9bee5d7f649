import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A Lua script and its SHA-1, run with `runScript`. */
export type RedisScript = { lua: string; sha: string };

export const redisScript = (lua: string): RedisScript => ({
  lua,
  sha: createHash('sha1').update(lua).digest('hex'),
});

/**
 * Runs a script by EVALSHA, and by EVAL once when Redis does not hold it yet (NOSCRIPT: a new or
 * flushed server). Plain commands only, so it works on any client as it is, auto-pipelined included:
 * a command defined on a client with `defineCommand` is missing from an auto-pipeline created before
 * it, and ioredis then answers every command of that pipeline out of order (ioredis issue 1931).
 */
export async function runScript(
  redis: Redis,
  script: RedisScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!String((error as Error).message).includes('NOSCRIPT')) throw error;
    return await redis.eval(script.lua, keys.length, ...keys, ...args);
  }
}
