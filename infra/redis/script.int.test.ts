import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { redisUrl, testKeyPrefix } from '../../test/support/isolation.ts';
import { createRedis, deleteKeysWithPrefix } from './client.ts';
import { redisScript, runScript } from './script.ts';

// A script new to Redis on every run (the comment differs), so its first call always finds it missing.
const swap = redisScript(`-- ${randomUUID()}
local old = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[1], ARGV[1])
return old or ARGV[2]`);

describe('runScript', () => {
  const prefix = testKeyPrefix('redis-script');
  const client = createRedis({ url: redisUrl, keyPrefix: prefix });
  const piped = new Redis(redisUrl, { keyPrefix: prefix, enableAutoPipelining: true });
  afterAll(async () => {
    await deleteKeysWithPrefix(client);
    client.disconnect();
    piped.disconnect();
  });

  it('runs a script Redis does not hold yet (NOSCRIPT), and leaves it held for EVALSHA', async () => {
    expect(await client.script('EXISTS', swap.sha)).toEqual([0]);
    expect(await runScript(client, swap, ['k1'], ['a', 'none'])).toBe('none');
    expect(await client.script('EXISTS', swap.sha)).toEqual([1]);
    expect(await runScript(client, swap, ['k1'], ['b', 'none'])).toBe('a');
  });

  it('answers each command its own reply on an auto-pipelined client', async () => {
    // Everything below is sent in one turn, so in one auto-pipeline: a script run among plain commands.
    const replies = await Promise.all([
      piped.set('k2', 'one'),
      runScript(piped, swap, ['k2'], ['two', 'none']),
      piped.get('k2'),
      runScript(piped, swap, ['k3'], ['three', 'none']),
      piped.get('k3'),
    ]);
    expect(replies).toEqual(['OK', 'one', 'two', 'none', 'three']);
  });
});
