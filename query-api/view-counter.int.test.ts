import { setTimeout as sleep } from 'node:timers/promises';
import express from 'express';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, deleteKeysWithPrefix } from '../infra/redis/client.ts';
import { startTestServer, type TestServer } from '../test/support/http.ts';
import { redisUrl, testKeyPrefix } from '../test/support/isolation.ts';
import { VIEWS_KEY } from './recommendation-queries.ts';
import { createViewCounter, type ViewCounter } from './view-counter.ts';

let redis: Redis;
let monitor: Redis;
let counter: ViewCounter;
let http: TestServer;
const commands: string[] = [];
beforeAll(async () => {
  redis = createRedis({ url: redisUrl, keyPrefix: testKeyPrefix('view-counter') });
  const prefix = redis.options.keyPrefix ?? '';
  monitor = await new Redis(redisUrl).monitor();
  monitor.on('monitor', (_time: string, args: string[]) => {
    if (args.some((arg) => arg.startsWith(prefix))) commands.push(args[0]!.toLowerCase());
  });
  counter = createViewCounter(redis, { flushMs: 600_000 }); // flushed by the test, not the timer
  const app = express();
  app.get('/products/:product_id', counter.count, (req, res) => {
    if (req.params.product_id === 'prd_missing') res.status(404).end();
    else res.json({ id: req.params.product_id });
  });
  http = await startTestServer(app);
});
afterAll(async () => {
  await http?.close();
  await counter?.close();
  monitor?.disconnect();
  await deleteKeysWithPrefix(redis).catch(() => 0);
  redis?.disconnect();
});

describe('product views: counted in process, sent in one pipeline', () => {
  it('sends nothing while requests are answered, then one ZINCRBY a product with its count', async () => {
    for (const id of ['prd_a', 'prd_b', 'prd_a', 'prd_a', 'prd_missing', 'search'])
      await http.request('GET', `/products/${id}`);
    await redis.ping(); // MONITOR reports in order: this ping's turn means the rest arrived
    await sleep(50);
    expect(commands).toEqual([]);

    await counter.flush();
    expect(await redis.zscore(VIEWS_KEY, 'prd_a')).toBe('3');
    expect(await redis.zscore(VIEWS_KEY, 'prd_b')).toBe('1');
    expect(await redis.zscore(VIEWS_KEY, 'prd_missing')).toBeNull();
    expect(commands.filter((c) => c === 'zincrby')).toHaveLength(2);
  });
});
