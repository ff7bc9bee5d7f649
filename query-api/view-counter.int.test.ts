import express from 'express';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, deleteKeysWithPrefix } from '../infra/redis/client.ts';
import { startTestServer, type TestServer } from '../test/support/http.ts';
import { redisUrl, testKeyPrefix } from '../test/support/isolation.ts';
import { redisMonitor } from '../test/support/redis-monitor.ts';
import { VIEWS_KEY } from './recommendation-queries.ts';
import { createViewCounter, type ViewCounter } from './view-counter.ts';

let redis: Redis;
let monitor: Awaited<ReturnType<typeof redisMonitor>>;
let counter: ViewCounter;
let http: TestServer;
beforeAll(async () => {
  redis = createRedis({ url: redisUrl, keyPrefix: testKeyPrefix('view-counter') });
  monitor = await redisMonitor(redis, redis.options.keyPrefix ?? '');
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
  monitor?.close();
  await deleteKeysWithPrefix(redis).catch(() => 0);
  redis?.disconnect();
});

describe('product views: counted in process, sent in one pipeline', () => {
  it('sends nothing while requests are answered, then one ZINCRBY a product with its count', async () => {
    const answering = await monitor.commandsDuring(async () => {
      for (const id of ['prd_a', 'prd_b', 'prd_a', 'prd_a', 'prd_missing', 'search'])
        await http.request('GET', `/products/${id}`);
    });
    expect(answering).toEqual([]);

    const flushing = await monitor.commandsDuring(() => counter.flush());
    expect(await redis.zscore(VIEWS_KEY, 'prd_a')).toBe('3');
    expect(await redis.zscore(VIEWS_KEY, 'prd_b')).toBe('1');
    expect(await redis.zscore(VIEWS_KEY, 'prd_missing')).toBeNull();
    expect(flushing).toEqual(['zincrby', 'zincrby']);
  });
});
