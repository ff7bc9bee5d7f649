import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Decider } from '../../domain/shared/decider.ts';
import { DomainError, ErrorCode } from '../../domain/shared/errors.ts';
import type { EventStore } from '../../infra/eventstore/port.ts';
import { createPostgresEventStore } from '../../infra/eventstore/postgres/store.ts';
import { createMetrics } from '../../infra/telemetry/metrics.ts';
import { traceEventStore } from '../../infra/telemetry/traced-store.ts';
import { createTestDatabase } from '../../test/support/isolation.ts';
import { createCommandHandler } from './command-handler.ts';
import { instrumentCommandHandler } from './traced-handler.ts';

type Cmd = { type: 'Add'; data: { n: number } };
type Evt = { type: 'Added'; data: { n: number } };
/** A counter that refuses negative amounts and decides nothing for zero. */
const counter: Decider<Cmd, Evt, number> = {
  initialState: () => 0,
  evolve: (total, event) => total + event.data.n,
  decide: (command) => {
    if (command.data.n < 0) throw new DomainError(ErrorCode.ValidationFailed, 'negative');
    return command.data.n === 0 ? [] : [{ type: 'Added', data: { n: command.data.n } }];
  },
};
const add = (n: number): Cmd => ({ type: 'Add', data: { n } });
const metadata = { correlation_id: 'c-1' };

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let store: EventStore;
beforeAll(async () => {
  db = await createTestDatabase('telemetry_handler');
  store = await createPostgresEventStore({ connectionString: db.url, poolSize: 4 });
});
afterAll(async () => {
  await store.close();
  await db.drop();
});

const value = async (metrics: ReturnType<typeof createMetrics>, series: string) =>
  Number(
    (await metrics.render())
      .split('\n')
      .find((l) => l.startsWith(`${series} `))
      ?.split(' ')[1] ?? 'NaN',
  );

describe('instrumented command handler and event store', () => {
  it('counts each outcome: ok, noop, rejected, conflict', async () => {
    const metrics = createMetrics({ runtime: false });
    const traced = traceEventStore(store, { metrics });
    const handler = instrumentCommandHandler(createCommandHandler({ store: traced }), { metrics });
    await handler.handle({ decider: counter, stream: 'counter-a', command: add(2), metadata });
    await handler.handle({ decider: counter, stream: 'counter-a', command: add(0), metadata });
    await expect(
      handler.handle({ decider: counter, stream: 'counter-a', command: add(-1), metadata }),
    ).rejects.toThrow('negative');
    await expect(
      handler.handle({
        decider: counter,
        stream: 'counter-a',
        command: add(1),
        metadata,
        expectedRevision: 7n,
      }),
    ).rejects.toThrow(/Version conflict/);
    expect(await value(metrics, 'commands_total{type="Add",outcome="ok"}')).toBe(1);
    expect(await value(metrics, 'commands_total{type="Add",outcome="noop"}')).toBe(1);
    expect(await value(metrics, 'commands_total{type="Add",outcome="rejected"}')).toBe(1);
    expect(await value(metrics, 'commands_total{type="Add",outcome="conflict"}')).toBe(1);
    expect(
      await value(metrics, 'eventstore_append_duration_seconds_count{category="counter",result="ok"}'),
    ).toBe(1);
  });

  it('counts a conflicting append and the retry it causes, and the retried command still succeeds', async () => {
    const metrics = createMetrics({ runtime: false });
    const traced = traceEventStore(store, { metrics });
    // A competing writer lands between this handler's read and its first append: a real conflict.
    let raced = false;
    const racing: EventStore = {
      ...traced,
      async appendToStream(stream, events, options) {
        if (!raced) {
          raced = true;
          await store.appendToStream(stream, [{ id: crypto.randomUUID(), type: 'Added', data: { n: 10 } }]);
        }
        return traced.appendToStream(stream, events, options);
      },
    };
    const handler = instrumentCommandHandler(createCommandHandler({ store: racing }), { metrics });
    const result = await handler.handle({ decider: counter, stream: 'counter-b', command: add(5), metadata });
    expect(result.state).toBe(15);
    expect(await value(metrics, 'eventstore_version_conflicts_total{category="counter"}')).toBe(1);
    expect(await value(metrics, 'command_retries_total{type="Add"}')).toBe(1);
    expect(await value(metrics, 'commands_total{type="Add",outcome="ok"}')).toBe(1);
  });

  it('does not count a decision taken again on a fresh read after the trusted cache decided nothing', async () => {
    const metrics = createMetrics({ runtime: false });
    const handler = instrumentCommandHandler(createCommandHandler({ store, trustCache: true }), { metrics });
    await handler.handle({ decider: counter, stream: 'counter-t', command: add(2), metadata });
    // add(0) decides nothing on the cached state, so the handler decides it again on a fresh read: two
    // decisions, no conflict.
    const result = await handler.handle({ decider: counter, stream: 'counter-t', command: add(0), metadata });
    expect(result.events).toEqual([]);
    expect(await value(metrics, 'commands_total{type="Add",outcome="noop"}')).toBe(1);
    expect((await metrics.render()).includes('command_retries_total{')).toBe(false);
  });

  it('counts reservation facts as they are appended', async () => {
    const metrics = createMetrics({ runtime: false });
    const traced = traceEventStore(store, { metrics });
    const fact = (type: string) => ({ id: crypto.randomUUID(), type, data: {} });
    await traced.appendToStream('stock-prd_r', [fact('StockReserved'), fact('StockReserved')]);
    await traced.appendToStream('stock-prd_r', [fact('ReservationCommitted'), fact('ReservationExpired')]);
    await traced.appendToStream('stock-prd_r', [fact('ReservationReleased'), fact('StockReceived')]);
    expect(await value(metrics, 'reservations_total{outcome="reserved"}')).toBe(2);
    expect(await value(metrics, 'reservations_total{outcome="committed"}')).toBe(1);
    expect(await value(metrics, 'reservations_total{outcome="expired"}')).toBe(1);
    expect(await value(metrics, 'reservations_total{outcome="released"}')).toBe(1);
  });

  it('keeps the handler state cache working through the traced decider', async () => {
    let reads = 0;
    const counting: EventStore = {
      appendToStream: (...args) => store.appendToStream(...args),
      readStream: (...args) => {
        reads += 1;
        return store.readStream(...args);
      },
      readAll: (...args) => store.readAll(...args),
      subscribeToAll: (...args) => store.subscribeToAll(...args),
      headPosition: () => store.headPosition(),
      close: async () => {},
    };
    const handler = instrumentCommandHandler(createCommandHandler({ store: counting }));
    for (let i = 0; i < 3; i++)
      await handler.handle({ decider: counter, stream: 'counter-c', command: add(1), metadata });
    // Cached after the first command: each later load reads only the (empty) tail once.
    expect(reads).toBe(3);
    const loaded = await handler.load(counter, 'counter-c');
    expect(loaded.state).toBe(3);
  });
});
