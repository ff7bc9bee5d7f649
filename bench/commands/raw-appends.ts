import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { EventStore } from '../../infra/eventstore/port.ts';
import { type LatencySummary, summarise } from './latency.ts';

/**
 * The event store's raw append rate: `concurrency` workers, each appending one event at a time to a
 * new stream (no_stream), for `durationMs`. The payload is shaped like an ItemAddedToCart.
 */
export async function measureRawAppends(
  store: EventStore,
  options: { concurrency: number; durationMs: number },
): Promise<LatencySummary & { appends: number; perSecond: number }> {
  const samples: number[] = [];
  const run = randomUUID().slice(0, 8);
  const started = performance.now();
  const deadline = started + options.durationMs;
  const worker = async (index: number) => {
    for (let i = 0; performance.now() < deadline; i++) {
      const begin = performance.now();
      await store.appendToStream(
        `rawbench-${run}-${index}-${i}`,
        [
          {
            id: randomUUID(),
            type: 'RawBenchAppended',
            data: payload(index, i),
            metadata: { correlation_id: run },
          },
        ],
        { expectedRevision: 'no_stream' },
      );
      samples.push(performance.now() - begin);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, index) => worker(index)));
  const elapsedSeconds = (performance.now() - started) / 1000;
  return { ...summarise(samples), appends: samples.length, perSecond: samples.length / elapsedSeconds };
}

const payload = (worker: number, i: number) => ({
  schema_version: 1,
  cart_id: `cart_bench${worker}`,
  user_id: `usr_bench${worker}`,
  cart_item_id: `item_bench${worker}_${i}`,
  product_id: 'prd_benchproduct',
  product_name: 'Bench product',
  image: 'https://img.example.com/bench.jpg',
  unit_price: 1999,
  currency: 'USD',
  quantity: 1,
  line_quantity: 1,
  added_at: new Date().toISOString(),
});
