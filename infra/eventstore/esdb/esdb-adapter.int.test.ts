import { randomUUID } from 'node:crypto';
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError, ErrorCode } from '../../../domain/shared/errors.ts';
import { StreamNotFound, VersionConflict } from '../errors.ts';
import { type EsdbTestDouble, startEsdbTestDouble } from '../esdb-test-double/server.ts';
import type { EventStore, EventToAppend, SubscriptionItem } from '../port.ts';
import { comparePositions } from '../position.ts';
import { createEsdbEventStore } from './esdb-store.ts';
import { InvalidEventPayload } from './payload.ts';

// Adapter-specific behaviour the shared contract does not pin down: payload validation, error and
// position mapping, EventStoreDB's `$` events, and resuming a subscription across repeated drops.

const event = (data: Record<string, unknown> = {}, type = 'Tested'): EventToAppend => ({
  id: randomUUID(),
  type,
  data: { ...data, schema_version: 1 },
});
const unique = (label: string) => `${label}${randomUUID().slice(0, 8)}`;

let double: EsdbTestDouble;
let store: EventStore;
const warnings: Array<{ msg: string }> = [];

beforeAll(async () => {
  double = await startEsdbTestDouble();
  const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line)) });
  store = createEsdbEventStore({
    connectionString: double.connectionString,
    logger,
    resubscribeBackoff: { initialMs: 10, maxMs: 200 },
  });
});

afterAll(async () => {
  await store.close();
  await double.stop();
});

/** Reads a subscription until `done`, with a timeout that ends it instead of hanging the test. */
async function follow(
  options: Parameters<EventStore['subscribeToAll']>[0],
  done: (items: SubscriptionItem[]) => boolean,
  onItem?: (item: SubscriptionItem, items: SubscriptionItem[]) => Promise<void> | void,
) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 20_000);
  const items: SubscriptionItem[] = [];
  try {
    for await (const item of store.subscribeToAll({ ...options, signal: controller.signal })) {
      items.push(item);
      await onItem?.(item, items);
      if (done(items)) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return items;
}
const eventsOf = (items: SubscriptionItem[]) => items.flatMap((i) => (i.kind === 'event' ? [i.event] : []));

describe('EventStoreDB adapter: payload validation', () => {
  const rejected: Array<[string, EventToAppend, RegExp]> = [
    ['a bigint in data', event({ total: 10n }), /data\.total is a bigint/],
    ['a nested bigint', event({ lines: [{ qty: 1n }] }), /data\.lines\[0\]\.qty is a bigint/],
    ['a bigint in metadata', { ...event(), metadata: { revision: 3n } }, /metadata\.revision is a bigint/],
    ['NaN', event({ price: Number.NaN }), /data\.price is NaN/],
    ['a Date', event({ at: new Date(0) }), /data\.at is a Date/],
    ['a function', event({ f: () => 1 }), /data\.f is a function/],
    ['an id that is not a uuid', { ...event(), id: 'evt-1' }, /id must be a uuid/],
  ];
  for (const [what, bad, message] of rejected) {
    it(`refuses ${what} before sending anything`, async () => {
      const stream = unique('pay-');
      const attempt = store.appendToStream(stream, [event(), bad]);
      await expect(attempt).rejects.toBeInstanceOf(InvalidEventPayload);
      await expect(store.appendToStream(stream, [bad])).rejects.toThrow(message);
      await expect(store.readStream(stream)).rejects.toBeInstanceOf(StreamNotFound);
    });
  }

  it('refuses a circular structure', async () => {
    const data: Record<string, unknown> = {};
    data.self = data;
    await expect(store.appendToStream(unique('pay-'), [event(data)])).rejects.toThrow(/circular/);
  });

  it('accepts plain JSON and leaves out undefined properties, as JSON does', async () => {
    const stream = unique('pay-');
    await store.appendToStream(stream, [event({ a: [1, 'two', null, { b: true }], gone: undefined })]);
    const [read] = await store.readStream(stream);
    expect(read!.data).toEqual({ a: [1, 'two', null, { b: true }], schema_version: 1 });
  });
});

describe('EventStoreDB adapter: mapping', () => {
  it('keeps positions and revisions as exact bigints (the double starts above 2^53)', async () => {
    const stream = unique('map-');
    const result = await store.appendToStream(stream, [event(), event()]);
    expect(typeof result.position.commit).toBe('bigint');
    expect(result.position.commit > 2n ** 53n).toBe(true);
    const [first, second] = await store.readStream(stream);
    // Adjacent positions one apart above 2^53 would collapse under Number().
    expect(second!.position.commit - first!.position.commit).toBe(1n);
    expect(result.nextExpectedRevision).toBe(1n);
    expect(comparePositions(result.position, second!.position)).toBe(0);
  });

  it('raises VersionConflict as a DomainError with the API code, actual undefined on a missing stream', async () => {
    const stream = unique('map-');
    const error = await store.appendToStream(stream, [event()], { expectedRevision: 5n }).catch((e) => e);
    expect(error).toBeInstanceOf(VersionConflict);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: ErrorCode.VersionConflict, stream, expected: 5n, actual: undefined });
  });

  it('reads zero events of an existing stream as empty and of a missing one as not found', async () => {
    const stream = unique('map-');
    await store.appendToStream(stream, [event()]);
    expect(await store.readStream(stream, { maxCount: 0 })).toEqual([]);
    await expect(store.readStream(unique('map-'), { maxCount: 0 })).rejects.toBeInstanceOf(StreamNotFound);
  });

  it("hides EventStoreDB's own `$` events from readAll, subscriptions and headPosition", async () => {
    const category = unique('sys');
    const ours = await store.appendToStream(`${category}-1`, [event()]);
    const raw = EventStoreDBClient.connectionString(double.connectionString);
    await raw.appendToStream('$stats-127.0.0.1:2113', jsonEvent({ type: '$statsCollected', data: {} }));
    await raw.appendToStream(`${category}-1`, jsonEvent({ type: '$metadata', data: {} }));
    await raw.dispose();
    expect(await store.headPosition()).toEqual(ours.position);
    // The double's positions are commit = prepare, one apart: this is the position just before ours.
    const justBefore = { commit: ours.position.commit - 1n, prepare: ours.position.prepare - 1n };
    const page = await store.readAll({ after: justBefore });
    expect(page.events.map((e) => e.type)).toEqual(['Tested']);
    const items = await follow({ after: justBefore }, (all) => all.some((i) => i.kind === 'caught-up'));
    expect(eventsOf(items).map((e) => e.type)).toEqual(['Tested']);
  });
});

describe('EventStoreDB adapter: subscriptions', () => {
  it('resumes after repeated drops during catch-up and live, delivering every event once, in order', async () => {
    const category = unique('drop');
    const start = await store.headPosition();
    const before = Array.from({ length: 300 }, (_, n) => event({ n }));
    for (let i = 0; i < before.length; i += 50)
      await store.appendToStream(`${category}-a`, before.slice(i, i + 50));
    const live = Array.from({ length: 5 }, (_, n) => event({ n }));
    const warningsBefore = warnings.length;
    let drops = 0;
    const items = await follow(
      { ...(start ? { after: start } : {}), filter: { streamPrefixes: [`${category}-`] } },
      (all) => eventsOf(all).length === before.length + live.length && all.at(-1)?.kind === 'caught-up',
      async (item, all) => {
        const delivered = eventsOf(all).length;
        // Twice in catch-up, then after the caught-up signal, then between live events.
        if (item.kind === 'event' && (delivered === 40 || delivered === 170)) {
          drops++;
          double.dropConnections();
        }
        if (item.kind === 'caught-up' && delivered === before.length && drops === 2) {
          drops++;
          double.dropConnections();
          for (const [n, next] of live.entries()) {
            await retry(() => store.appendToStream(`${category}-b`, [next]));
            if (n === 2) double.dropConnections();
          }
        }
      },
    );
    const events = eventsOf(items);
    expect(drops).toBe(3);
    expect(events.map((e) => e.id)).toEqual([...before, ...live].map((e) => e.id));
    for (let i = 1; i < events.length; i++)
      expect(comparePositions(events[i]!.position, events[i - 1]!.position)).toBe(1);
    expect(warnings.slice(warningsBefore).some((w) => /subscription (dropped|ended)/.test(w.msg))).toBe(true);
  });

  it('a slow consumer gets everything in order, and caught-up only after the last buffered event', async () => {
    const category = unique('slow');
    const start = await store.headPosition();
    const appended = Array.from({ length: 120 }, (_, n) => event({ n, pad: 'x'.repeat(2_000) }));
    await store.appendToStream(`${category}-1`, appended);
    const items = await follow(
      { ...(start ? { after: start } : {}), filter: { streamPrefixes: [`${category}-`] } },
      (all) => all.some((i) => i.kind === 'caught-up'),
      async (_item, all) => {
        if (all.length % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      },
    );
    expect(eventsOf(items).map((e) => e.id)).toEqual(appended.map((e) => e.id));
    // The client signals caught-up ahead of events still in its buffer; the adapter must not.
    expect(items.findIndex((i) => i.kind === 'caught-up')).toBe(appended.length);
  });

  it('filters by event type on the server: events of other types never cross the wire', async () => {
    const category = unique('typed');
    const [wanted, other] = [unique('Wanted'), unique('Other')];
    const start = await store.headPosition();
    const appended = Array.from({ length: 30 }, (_, n) => event({ n }, n % 3 === 0 ? wanted : other));
    await store.appendToStream(`${category}-1`, appended);
    const items = await follow(
      { ...(start ? { after: start } : {}), filter: { eventTypes: [wanted] } },
      (all) => all.some((i) => i.kind === 'caught-up'),
    );
    expect(eventsOf(items).map((e) => e.id)).toEqual(
      appended.filter((e) => e.type === wanted).map((e) => e.id),
    );
    expect(double.subscriptionEventsSent(wanted)).toBe(10);
    expect(double.subscriptionEventsSent(other)).toBe(0);
  });

  it('close() ends a live subscription instead of leaving it hanging', async () => {
    const own = createEsdbEventStore({ connectionString: double.connectionString });
    const seen: SubscriptionItem[] = [];
    const consuming = (async () => {
      for await (const item of own.subscribeToAll({ filter: { streamPrefixes: [unique('none-')] } })) {
        seen.push(item);
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await own.close();
    await expect(consuming).resolves.toBeUndefined();
    expect(seen.map((item) => item.kind)).toEqual(['caught-up']);
  });

  it('uses TLS unless the connection string says tls=false', async () => {
    const secure = createEsdbEventStore({ connectionString: `esdb://127.0.0.1:${double.port}` });
    // The double only speaks plaintext, so a TLS client cannot get an answer from it.
    await expect(secure.appendToStream(unique('tls-'), [event()])).rejects.toThrow();
    await secure.close();
  });
});

async function retry<T>(operation: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (attempt >= 10) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}
