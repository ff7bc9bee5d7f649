import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { EventStore, RecordedEvent, SubscriptionItem } from '../../infra/eventstore/port.ts';
import { type Position, positionToString } from '../../infra/eventstore/position.ts';
import { readAhead } from '../../infra/eventstore/read-ahead.ts';
import { createMetrics } from '../../infra/telemetry/metrics.ts';
import { follow } from './follow.ts';
import type { PgProjection } from './types.ts';
import type { BatchWriter } from './writers.ts';

const at = (n: number): Position => ({ commit: BigInt(n), prepare: BigInt(n) });
const event = (n: number): RecordedEvent => ({
  id: `e${n}`,
  type: 'Ticked',
  streamName: 'tick-1',
  revision: BigInt(n),
  position: at(n),
  data: {},
  metadata: {} as RecordedEvent['metadata'],
  recordedAt: new Date(0),
});
const marker = (n: number): SubscriptionItem => ({ kind: 'caught-up', position: at(n) });

const projection: PgProjection = {
  kind: 'postgres',
  name: 'markers',
  eventTypes: ['Ticked'],
  ddl: () => '',
  apply: async () => {},
};

/** Runs the live runner over `store` into `writer` until `stop` is aborted. */
const followUntil = (stop: AbortController, store: EventStore, writer: BatchWriter) =>
  follow({
    store,
    projection,
    target: { projection: 'markers', generation: 1, role: 'serving' },
    writer,
    from: undefined,
    signal: stop.signal,
    batchSize: 100,
    skipCheckpointMs: 0,
    retry: { attempts: 1, baseMs: 1, maxMs: 1, newerVersionWaitMs: 0 },
    untilCaughtUp: false,
    metrics: createMetrics({ runtime: false }),
    logger: pino({ level: 'silent' }),
    hooks: { committed() {}, caughtUp() {}, parked() {}, catchingUp() {}, newerVersionSince: () => 0 },
  }).catch((error) => {
    if (!stop.signal.aborted) throw error;
  });

/**
 * Live, the log delivers e1, a caught-up marker, e2, another marker, all read before the runner takes the
 * first (the store is a stand-in; the order of items is what is under test, not a database).
 */
describe('follow() live batching', () => {
  it('passes over caught-up markers between events: one batch, its checkpoint at the last marker', async () => {
    const writes: string[] = [];
    let allRead = () => {};
    const read = new Promise<void>((resolve) => {
      allRead = resolve;
    });
    const stop = new AbortController();
    const store = {
      async *subscribeToAll() {
        yield marker(1);
        yield { kind: 'event', event: event(2) } satisfies SubscriptionItem;
        yield marker(3);
        yield { kind: 'event', event: event(4) } satisfies SubscriptionItem;
        yield marker(5);
        allRead();
        await new Promise((resolve) => stop.signal.addEventListener('abort', resolve));
      },
    } as unknown as EventStore;
    const writer: BatchWriter = {
      async applyBatch(events, _from, to) {
        writes.push(
          `apply ${events.map((e) => e.id).join(',')} to ${positionToString(to ?? events.at(-1)!.position)}`,
        );
        if (events.at(-1)!.id === 'e4') stop.abort();
        return [];
      },
      async advance(_from, to) {
        writes.push(`advance ${positionToString(to)}`);
        await read; // the runner is busy while the rest of the log is read
      },
      park: async () => {},
    };
    await followUntil(stop, store, writer);
    expect(writes).toEqual(['advance 1.1', 'apply e2,e4 to 5.5']);
  });

  it('live, takes a page that the store layers hand up one event at a time as one batch', async () => {
    const batches: string[] = [];
    const stop = new AbortController();
    let pageRead = () => {};
    const live = new Promise<void>((resolve) => {
      pageRead = resolve;
    });
    // The log as the composed store hands it up: a page read at once, then passed event by event through
    // a read-ahead and two more generators (decryption's pages and upcasting in the real store).
    async function* log(): AsyncGenerator<SubscriptionItem> {
      yield marker(1);
      await live; // the next read returns once the runner has gone live
      for (let n = 2; n <= 6; n++) yield { kind: 'event', event: event(n) };
      yield marker(7);
      await new Promise((resolve) => stop.signal.addEventListener('abort', resolve));
    }
    async function* layer(source: AsyncIterable<SubscriptionItem>): AsyncGenerator<SubscriptionItem> {
      for await (const item of source) yield item;
    }
    const store = {
      subscribeToAll: () => layer(layer(readAhead(log(), 2_000).items)),
    } as unknown as EventStore;
    const writer: BatchWriter = {
      async applyBatch(events, _from, to) {
        batches.push(
          `${events.map((e) => e.id).join(',')} to ${positionToString(to ?? events.at(-1)!.position)}`,
        );
        if (events.at(-1)!.id === 'e6') stop.abort();
        return [];
      },
      async advance() {
        pageRead();
      },
      park: async () => {},
    };
    await followUntil(stop, store, writer);
    expect(batches).toEqual(['e2,e3,e4,e5,e6 to 7.7']);
  });
});
