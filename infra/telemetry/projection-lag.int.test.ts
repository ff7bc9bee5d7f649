import type { Server } from 'node:http';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/support/isolation.ts';
import type { EventStore } from '../eventstore/port.ts';
import { positionToString } from '../eventstore/position.ts';
import { createPostgresEventStore } from '../eventstore/postgres/store.ts';
import { metricsRoute } from './http-metrics.ts';
import { createMetrics } from './metrics.ts';
import { createProjectionLagSampler, type ProjectionStanding } from './projection-lag.ts';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let store: EventStore;
let server: Server;
let url: string;
const metrics = createMetrics({ runtime: false });
const standing: ProjectionStanding = {
  projection: 'cart',
  eventTypes: ['ItemAddedToCart'],
  position: undefined,
};

beforeAll(async () => {
  db = await createTestDatabase('telemetry_lag');
  store = await createPostgresEventStore({ connectionString: db.url, poolSize: 2 });
  const app = express().use(metricsRoute(metrics));
  await new Promise<void>((resolve) => {
    server = app.listen(0, '127.0.0.1', () => resolve());
  });
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/metrics`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await store.close();
  await db.drop();
});

const scrape = async () => {
  const text = await (await fetch(url)).text();
  const value = (name: string) =>
    Number(new RegExp(`^${name}\\{projection="cart"\\} (\\S+)$`, 'm').exec(text)?.[1]);
  return { events: value('projection_lag_events'), seconds: value('projection_lag_seconds') };
};

async function until<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('projection lag on GET /metrics', () => {
  it('rises as events arrive that the projection has not applied, and falls as its checkpoint moves', async () => {
    const lag = createProjectionLagSampler({ store, metrics, standings: () => [standing] });
    await lag.sample();
    expect(await scrape()).toEqual({ events: 0, seconds: 0 });

    const positions = [];
    for (let i = 0; i < 12; i++) {
      const appended = await store.appendToStream(`cart-usr_${i % 3}`, [
        { id: crypto.randomUUID(), type: 'ItemAddedToCart', data: { n: i } },
        { id: crypto.randomUUID(), type: 'SomethingElse', data: { n: i } },
      ]);
      positions.push(appended.position);
    }
    // The store shows events only below its transaction horizon, which other sessions on the same
    // PostgreSQL server can hold back for a moment; sample until the new events are visible.
    const behind = await until(
      async () => {
        await lag.sample();
        return scrape();
      },
      (seen) => seen.events === 12,
    );
    expect(behind.events).toBe(12); // only the types it reads
    expect(behind.seconds).toBeGreaterThanOrEqual(0);

    standing.position = positionToString(positions[8]!);
    await lag.sample();
    expect((await scrape()).events).toBe(3);

    standing.position = positionToString(positions[11]!);
    await lag.sample();
    expect(await scrape()).toEqual({ events: 0, seconds: 0 });
  });

  it('reports the age of the oldest unapplied event', async () => {
    const later = createProjectionLagSampler({
      store,
      metrics,
      standings: () => [{ ...standing, position: undefined }],
      clock: () => new Date(Date.now() + 60_000),
    });
    await later.sample();
    expect((await scrape()).seconds).toBeGreaterThanOrEqual(60);
  });

  it('reports parked events and, for the publisher, the Kafka publish lag', async () => {
    const publisher = createProjectionLagSampler({
      store,
      metrics,
      standings: () => [
        {
          projection: 'publisher',
          eventTypes: ['ItemAddedToCart'],
          position: undefined,
          parked: 2,
          publisher: true,
        },
      ],
    });
    await publisher.sample();
    const text = await (await fetch(url)).text();
    expect(text).toMatch(/^projection_parked_events\{projection="publisher"\} 2$/m);
    expect(text).toMatch(/^kafka_publish_lag_events 12$/m);
  });

  it('a sampler whose store fails reports the error and keeps the timer alive', async () => {
    const errors: unknown[] = [];
    const broken = createProjectionLagSampler({
      store: { readAll: () => Promise.reject(new Error('store down')) },
      metrics,
      standings: () => [standing],
      intervalMs: 10,
      onError: (error) => errors.push(error),
    });
    broken.start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await broken.stop();
    expect(errors.length).toBeGreaterThan(1);
  });
});
