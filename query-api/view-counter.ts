import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { isId } from '../domain/shared/ids.ts';
import { VIEWS_KEY } from './recommendation-queries.ts';

export type ViewCounter = {
  /** Mounted on GET /products/:product_id before the catalog routes: counts each 200. */
  count: RequestHandler;
  /** Sends what is counted now (also on a timer); close() sends the rest and stops the timer. */
  flush(): Promise<void>;
  close(): Promise<void>;
};

/**
 * Product views for popularity, counted in process and sent to Redis every `flushMs` as one pipeline
 * of ZINCRBY (one per product viewed since, by how often), instead of one ZINCRBY round trip after
 * each GET /products/{id}. Views are best effort either way (errors ignored, never slowing a request);
 * at most `flushMs` of them is lost with the process.
 */
export function createViewCounter(redis: Redis, options: { flushMs?: number } = {}): ViewCounter {
  let pending = new Map<string, number>();
  const flush = async () => {
    if (pending.size === 0) return;
    const sending = pending;
    pending = new Map();
    const pipeline = redis.pipeline();
    for (const [id, views] of sending) pipeline.zincrby(VIEWS_KEY, views, id);
    await pipeline.exec().catch(() => {});
  };
  const timer = setInterval(() => void flush(), options.flushMs ?? 1_000);
  timer.unref();
  return {
    count: (req, res, next) => {
      const id = String(req.params.product_id);
      // The same path pattern matches /products/search: only product ids count.
      if (!isId('product', id)) return next();
      res.on('finish', () => {
        if (res.statusCode === 200) pending.set(id, (pending.get(id) ?? 0) + 1);
      });
      next();
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
