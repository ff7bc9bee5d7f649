import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CheckpointWatcher } from '../../application/projection-runner/checkpoint-watcher.ts';
import type { EventStore } from '../../infra/eventstore/port.ts';
import { summarise } from '../commands/latency.ts';
import { benchProductId, benchUserId } from './fill.ts';

/**
 * Projection lag at a steady rate: every 1/rate s one event is appended (alternately ItemAddedToCart, read by
 * the Redis cart projection, and PriceChanged, read by the PostgreSQL catalog projection), and the time from
 * the start of its append until the projections process has announced passing its position (what a query
 * with that consistency token waits for) is recorded. The baseline is a bare
 * subscriber on the same store (no projection work): append start → the event delivered to it. That one is
 * in the appending process, woken without NOTIFY; `floor` adds one in the projections' process, which is
 * woken as the runners are. The events are appended through `writer`, the store as the command API composes
 * it (hash chain, encryption, upcasting, tracing) over `store`; the bare subscriber reads `store` itself.
 */
export async function measureLag(options: {
  store: EventStore;
  /** The store composed over `store` as the command API composes it: the appends go through it. */
  writer: EventStore;
  /** How the query API learns checkpoints (Redis pub/sub from the projections process). */
  watcher: CheckpointWatcher;
  rate: number;
  seconds: number;
  users: number;
  products: number;
  /** A bare subscriber in the projections' process: started before the appends, its samples after. */
  floor?: { start(): Promise<void>; stop(): Promise<number[]> };
}) {
  const { store, watcher } = options;
  const total = Math.round(options.rate * options.seconds);
  const startedAt = new Map<string, number>();
  const delivered: number[] = [];
  await options.floor?.start();
  const head = await store.headPosition();
  const stop = new AbortController();
  const follower = (async () => {
    for await (const item of store.subscribeToAll({
      ...(head ? { after: head } : {}),
      signal: stop.signal,
    })) {
      if (item.kind !== 'event') continue;
      const t0 = startedAt.get(item.event.id);
      if (t0 !== undefined) delivered.push(performance.now() - t0);
    }
  })().catch(() => {});

  const lag = { cart: [] as number[], catalog: [] as number[] };
  let missed = 0;
  const inFlight: Promise<void>[] = [];
  const t = performance.now();
  for (let i = 0; i < total; i += 1) {
    const due = t + (i * 1000) / options.rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const id = randomUUID();
    const cart = i % 2 === 0;
    const user = benchUserId(i % options.users);
    const product = benchProductId((i * 31) % options.products);
    const started = performance.now();
    startedAt.set(id, started);
    const event = cart
      ? {
          id,
          type: 'ItemAddedToCart',
          data: {
            schema_version: 1,
            cart_id: `cart_b${i % options.users}`,
            user_id: user,
            cart_item_id: `item_lag${i}`,
            product_id: product,
            product_name: `Product ${product}`,
            image: null,
            unit_price: 1_000,
            currency: 'USD',
            quantity: 1,
            line_quantity: 1,
            added_at: new Date().toISOString(),
          },
        }
      : {
          id,
          type: 'PriceChanged',
          data: {
            schema_version: 1,
            product_id: product,
            old_price: 1_000,
            new_price: 1_000 + (i % 500),
            currency: 'USD',
            changed_at: new Date().toISOString(),
          },
        };
    const stream = cart ? `cart-${user}` : `product-${product}`;
    inFlight.push(
      (async () => {
        const { position } = await options.writer.appendToStream(stream, [event], {
          expectedRevision: 'any',
        });
        const seen = await watcher.waitFor([cart ? 'cart' : 'catalog'], position, 10_000);
        if (!seen) missed += 1;
        (cart ? lag.cart : lag.catalog).push(performance.now() - started);
      })(),
    );
  }
  // The rate the appends were issued at (the wait for visibility is not part of it).
  const achievedRate = total / ((performance.now() - t) / 1000);
  await Promise.all(inFlight);
  await sleep(200);
  stop.abort();
  await follower;
  const floor = (await options.floor?.stop()) ?? [];
  return {
    events: total,
    achievedRate,
    missed,
    cart: summarise(lag.cart),
    catalog: summarise(lag.catalog),
    all: summarise([...lag.cart, ...lag.catalog]),
    baseline: summarise(delivered),
    /** Append start → delivered to a bare subscriber in the projections' process (ms clock, wall time). */
    projectorFloor: summarise(floor),
  };
}
