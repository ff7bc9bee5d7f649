import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { redisUrl, testKeyPrefix } from '../../test/support/isolation.ts';
import { admitInRedis } from '../http/redis-admission.ts';
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

  it('answers each command its own reply on an auto-pipelined client, the admission script included', async () => {
    // Sent in one turn, so in one auto-pipeline: scripts among plain commands. The echo script is new to
    // Redis (NOSCRIPT, then EVAL in a later turn); the admission script is the one a client-defined
    // command used to run, which broke a pipeline created before it (ioredis issue 1931).
    const echo = redisScript(`-- ${randomUUID()}\nreturn ARGV[1]`);
    const replies = await Promise.all([
      piped.set('k2', 'one'),
      runScript(piped, echo, [], ['echoed']),
      piped.get('k2'),
      admitInRedis(piped, { general: { key: 'rl:script-test:a', points: 5 } }),
      piped.incr('k4'),
    ]);
    expect(replies).toEqual(['OK', 'echoed', 'one', ['ok', 4], 1]);
  });
});
