import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import type { EventStore } from '../../infra/eventstore/port.ts';

export const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
};

/**
 * A consumer that records, for each awaited event_id, the time from `expect(id)` (just before the
 * append or send) to its arrival. Joined before it returns, reading from the latest offsets.
 */
export async function lagProbe(kafka: Kafka, topics: string[], groupId: string) {
  const started = new Map<string, number>();
  const lags: number[] = [];
  const consumer: Consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 50 });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: false });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.run({
    eachMessage: async ({ message }) => {
      const id = message.headers?.event_id?.toString();
      const at = id === undefined ? undefined : started.get(id);
      if (at === undefined || id === undefined) return;
      started.delete(id);
      lags.push(performance.now() - at);
    },
  });
  await joined;
  // A fresh group starts at the latest offsets only once it has fetched them; give it that moment.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  return {
    expect: (id: string) => started.set(id, performance.now()),
    async drained(timeoutMs: number) {
      const deadline = Date.now() + timeoutMs;
      while (started.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      return started.size === 0;
    },
    lags,
    close: () => consumer.disconnect(),
  };
}

/** Calls `tick(n)` `rate` times a second for `seconds` (sequentially; a slow tick delays the next). */
export async function atRate(rate: number, seconds: number, tick: (n: number) => Promise<void>) {
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const start = performance.now();
  for (let n = 0; n < total; n += 1) {
    const due = start + n * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await tick(n);
  }
}

/** The store's share of the lag: append → the event reaching a subscribeToAll consumer. */
export async function storeLag(store: EventStore, rate: number, seconds: number): Promise<number[]> {
  const started = new Map<string, number>();
  const lags: number[] = [];
  const stop = new AbortController();
  const head = await store.headPosition();
  const reader = (async () => {
    for await (const item of store.subscribeToAll({
      ...(head ? { after: head } : {}),
      signal: stop.signal,
    })) {
      if (item.kind !== 'event') continue;
      const at = started.get(item.event.id);
      if (at === undefined) continue;
      started.delete(item.event.id);
      lags.push(performance.now() - at);
    }
  })();
  await atRate(rate, seconds, async (n) => {
    const id = randomUUID();
    started.set(id, performance.now());
    await store.appendToStream(`probe-${n % 50}`, [{ id, type: 'LagProbe', data: { n } }], {
      expectedRevision: 'any',
    });
  });
  const deadline = Date.now() + 30_000;
  while (started.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  stop.abort();
  await reader.catch(() => {});
  return lags;
}
