import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidEvent } from '../../domain/event-catalog.ts';
import { stockDecider, stockStream } from '../../domain/inventory/stock.ts';
import type { Decider } from '../../domain/shared/decider.ts';
import { DomainError, ErrorCode } from '../../domain/shared/errors.ts';
import { makeId } from '../../domain/shared/ids.ts';
import { VersionConflict } from '../../infra/eventstore/errors.ts';
import type { EventStore, ReadStreamOptions } from '../../infra/eventstore/port.ts';
import { createPostgresEventStore } from '../../infra/eventstore/postgres/store.ts';
import { createTestDatabase } from '../../test/support/isolation.ts';
import { createCommandHandler } from './command-handler.ts';

// A counter that refuses to pass a limit: small enough to read, enough to race on.
type Count = { type: 'Increment'; data: { by: number; limit: number } };
type Counted = { type: 'Incremented'; data: { by: number; total: number } };
const counter: Decider<Count, Counted, { total: number }> = {
  initialState: () => ({ total: 0 }),
  decide: (command, state) => {
    if (command.data.by === 0) return [];
    if (state.total + command.data.by > command.data.limit)
      throw new DomainError(ErrorCode.InsufficientStock, 'limit reached');
    return [{ type: 'Incremented', data: { by: command.data.by, total: state.total + command.data.by } }];
  },
  evolve: (state, event) => ({ total: state.total + event.data.by }),
};
const increment = (by = 1, limit = 1_000): Count => ({ type: 'Increment', data: { by, limit } });
const metadata = { correlation_id: 'req_test', user_id: 'usr_tester' };

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let store: EventStore;

beforeAll(async () => {
  database = await createTestDatabase('command_handler');
  store = await createPostgresEventStore({ connectionString: database.url });
});
afterAll(async () => {
  await store?.close();
  await database?.drop();
});

describe('command handler', () => {
  it('refuses to store an event its own schema refuses, naming the fields and no value', async () => {
    // A faulty decider: UserRoleGranted with a role the schema does not know and a value that is personal.
    const faulty: Decider<Count, { type: 'UserRoleGranted'; data: Record<string, unknown> }, object> = {
      initialState: () => ({}),
      decide: () => [
        {
          type: 'UserRoleGranted',
          data: { schema_version: 1, user_id: 'dora@example.com', role: 'superuser', changed_at: 'now' },
        },
      ],
      evolve: (state) => state,
    };
    const handler = createCommandHandler({ store });
    const refused = handler.handle({
      decider: faulty,
      stream: 'user-faulty',
      command: increment(),
      metadata,
    });
    await expect(refused).rejects.toThrow(InvalidEvent);
    const error = (await refused.catch((e: unknown) => e)) as InvalidEvent;
    expect(error.fields).toEqual(expect.arrayContaining(['role']));
    expect(error.message).not.toContain('dora@example.com');
    await expect(store.readStream('user-faulty')).rejects.toThrow(); // nothing stored
  });

  it('appends the decided events with the command metadata and the clock time', async () => {
    const clock = () => new Date('2026-01-15T10:30:00.000Z');
    const handler = createCommandHandler({ store, clock });
    const result = await handler.handle({
      decider: counter,
      stream: 'counter-a',
      command: increment(2),
      metadata,
    });
    expect(result.revision).toBe(0n);
    expect(result.state).toEqual({ total: 2 });
    const [event] = await store.readStream('counter-a');
    expect(event?.position).toEqual(result.position);
    expect(event?.data).toEqual({ by: 2, total: 2 });
    expect(event?.metadata).toMatchObject({
      correlation_id: 'req_test',
      user_id: 'usr_tester',
      occurred_at: '2026-01-15T10:30:00.000Z',
    });
  });

  it('appends nothing when the decision is empty or a refusal', async () => {
    const handler = createCommandHandler({ store });
    await handler.handle({ decider: counter, stream: 'counter-b', command: increment(1, 1), metadata });
    // The stream itself, not store.headPosition(): the head only shows events below the cluster-wide
    // transaction horizon, so it can move later on its own while other test databases hold transactions.
    const stream = async () => (await store.readStream('counter-b')).map((e) => e.id);
    const before = await stream();
    const nothing = await handler.handle({
      decider: counter,
      stream: 'counter-b',
      command: increment(0),
      metadata,
    });
    expect(nothing.position).toBeUndefined();
    expect(nothing.revision).toBe(0n);
    await expect(
      handler.handle({ decider: counter, stream: 'counter-b', command: increment(1, 1), metadata }),
    ).rejects.toMatchObject({
      code: ErrorCode.InsufficientStock,
    });
    expect(before).toHaveLength(1);
    expect(await stream()).toEqual(before);
  });

  it('surfaces a conflict when the caller gave a revision that no longer holds, and appends nothing', async () => {
    const handler = createCommandHandler({ store });
    await handler.handle({ decider: counter, stream: 'counter-c', command: increment(), metadata });
    await handler.handle({ decider: counter, stream: 'counter-c', command: increment(), metadata });
    const stale = handler.handle({
      decider: counter,
      stream: 'counter-c',
      command: increment(),
      metadata,
      expectedRevision: 0n,
    });
    await expect(stale).rejects.toBeInstanceOf(VersionConflict);
    await expect(stale).rejects.toMatchObject({ expected: 0n, actual: 1n });
    expect(await store.readStream('counter-c')).toHaveLength(2);
  });

  it('16 parallel commands on one stream from separate handlers all land, each exactly once, by retrying conflicts', async () => {
    // Each conflict a writer sees is some other writer's append landing after its read, and the other 15
    // append once each: 15 retries let every writer land however the machine schedules them (a count
    // below that only bounds the usual case; the default is a time, see the next test).
    const handlers = Array.from({ length: 4 }, () => createCommandHandler({ store, maxRetries: 15 }));
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        handlers[i % 4]!.handle({ decider: counter, stream: 'counter-d', command: increment(), metadata }),
      ),
    );
    const events = await store.readStream('counter-d');
    expect(events.map((e) => e.revision)).toEqual(Array.from({ length: 16 }, (_, i) => BigInt(i)));
    expect(events.map((e) => e.data.total)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect(new Set(results.map((r) => r.revision))).toEqual(new Set(events.map((e) => e.revision)));
  });

  it('40 parallel commands on one stream all land with the default retries (a time, not a count)', async () => {
    const handlers = Array.from({ length: 4 }, () => createCommandHandler({ store }));
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        handlers[i % 4]!.handle({ decider: counter, stream: 'counter-many', command: increment(), metadata }),
      ),
    );
    const events = await store.readStream('counter-many');
    expect(events.map((e) => e.data.total)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it('a cached state never outvotes the store: another process’s reservation is seen before deciding', async () => {
    const mine = createCommandHandler({ store });
    const theirs = createCommandHandler({ store });
    const productId = makeId('product', 'cache');
    const stream = stockStream(productId);
    const now = '2026-01-15T10:00:00.000Z';
    const expiresAt = '2026-01-15T10:10:00.000Z';
    await mine.handle({
      decider: stockDecider,
      stream,
      command: { type: 'ReceiveStock', data: { productId, quantity: 5 } },
      metadata,
    });
    await theirs.handle({
      decider: stockDecider,
      stream,
      command: {
        type: 'ReserveStock',
        data: { productId, reservationId: makeId('reservation', 'theirs'), quantity: 5, expiresAt, now },
      },
      metadata,
    });
    const mineAgain = mine.handle({
      decider: stockDecider,
      stream,
      command: {
        type: 'ReserveStock',
        data: { productId, reservationId: makeId('reservation', 'mine'), quantity: 1, expiresAt, now },
      },
      metadata,
    });
    await expect(mineAgain).rejects.toMatchObject({ code: ErrorCode.InsufficientStock });
  });

  it('reads only the events appended since its cached revision, whatever the stream length', async () => {
    const reads: ReadStreamOptions[] = [];
    // The real store, with its reads recorded: what the handler asks for is the cost it pays.
    const recording: EventStore = {
      ...store,
      readStream: (stream, options) => {
        reads.push(options ?? {});
        return store.readStream(stream, options);
      },
    };
    const handler = createCommandHandler({ store: recording });
    for (let i = 0; i < 30; i++)
      await handler.handle({ decider: counter, stream: 'counter-e', command: increment(), metadata });
    expect(reads.map((o) => o.fromRevision)).toEqual([
      0n,
      ...Array.from({ length: 29 }, (_, i) => BigInt(i + 1)),
    ]);
    const loaded = await createCommandHandler({ store }).load(counter, 'counter-e');
    expect(loaded).toEqual({ state: { total: 30 }, revision: 29n });
  });

  describe('trusting the cache (trustCache)', () => {
    const recordingStore = () => {
      const reads: string[] = [];
      const recording: EventStore = {
        ...store,
        readStream: (stream, options) => {
          reads.push(stream);
          return store.readStream(stream, options);
        },
      };
      return { reads, recording };
    };

    it('decides a warm stream without reading it', async () => {
      const { reads, recording } = recordingStore();
      const handler = createCommandHandler({ store: recording, trustCache: true });
      for (let i = 0; i < 5; i++)
        await handler.handle({ decider: counter, stream: 'counter-t1', command: increment(), metadata });
      expect(reads).toEqual(['counter-t1']);
      expect(await store.readStream('counter-t1')).toHaveLength(5);
    });

    it('a stale cache (another process wrote) conflicts, reads and decides again: nothing lost', async () => {
      const mine = createCommandHandler({ store, trustCache: true });
      const theirs = createCommandHandler({ store });
      await mine.handle({ decider: counter, stream: 'counter-t2', command: increment(), metadata });
      await theirs.handle({ decider: counter, stream: 'counter-t2', command: increment(2), metadata });
      const result = await mine.handle({
        decider: counter,
        stream: 'counter-t2',
        command: increment(),
        metadata,
      });
      expect(result.state).toEqual({ total: 4 });
      expect((await store.readStream('counter-t2')).map((e) => e.data.total)).toEqual([1, 3, 4]);
    });

    it('refine derives the command from the state each attempt decides on, a fresh read after a conflict', async () => {
      const mine = createCommandHandler({ store, trustCache: true });
      const theirs = createCommandHandler({ store });
      const stream = 'counter-t4';
      await mine.handle({ decider: counter, stream, command: increment(), metadata });
      await theirs.handle({ decider: counter, stream, command: increment(2), metadata });
      // "Bring the total to 10": on the cached total (1) that is +9, on the true one (3) +7.
      const seen: number[] = [];
      const result = await mine.handle({
        decider: counter,
        stream,
        command: increment(0),
        metadata,
        refine: (command, state) => {
          seen.push(state.total);
          return { ...command, data: { ...command.data, by: 10 - state.total } };
        },
      });
      expect(seen).toEqual([1, 3]);
      expect(result.state).toEqual({ total: 10 });
      expect((await store.readStream(stream)).map((e) => e.data.total)).toEqual([1, 3, 10]);
    });

    it('a refusal from refine on cached state is checked on a fresh read, and surfaces only there', async () => {
      const mine = createCommandHandler({ store, trustCache: true });
      const theirs = createCommandHandler({ store });
      const stream = 'counter-t5';
      await mine.handle({ decider: counter, stream, command: increment(), metadata });
      await theirs.handle({ decider: counter, stream, command: increment(), metadata });
      // Refuses on any state below 2: the cached total (1) refuses, the true total (2) passes.
      const refuseBelowTwo = (command: Count, state: { total: number }) => {
        if (state.total < 2) throw new DomainError(ErrorCode.InsufficientStock, 'not yet');
        return command;
      };
      const passed = await mine.handle({
        decider: counter,
        stream,
        command: increment(),
        metadata,
        refine: refuseBelowTwo,
      });
      expect(passed.state).toEqual({ total: 3 });
      const fresh = createCommandHandler({ store, trustCache: true });
      await expect(
        fresh.handle({
          decider: counter,
          stream: 'counter-t6',
          command: increment(),
          metadata,
          refine: refuseBelowTwo,
        }),
      ).rejects.toMatchObject({ code: ErrorCode.InsufficientStock });
      await expect(store.readStream('counter-t6')).rejects.toThrow();
    });

    it('a refusal, a no-op or an If-Match mismatch on stale cached state is checked on a fresh read', async () => {
      const mine = createCommandHandler({ store, trustCache: true });
      const theirs = createCommandHandler({ store });
      const stream = 'counter-t3';
      await mine.handle({ decider: counter, stream, command: increment(5, 10), metadata });
      // Elsewhere the total drops below what this process cached: a counter of negative steps.
      await theirs.handle({ decider: counter, stream, command: increment(-4, 10), metadata });
      // Cached total 5 + 5 > 9 would refuse; the true total 1 + 5 passes.
      const passed = await mine.handle({ decider: counter, stream, command: increment(5, 9), metadata });
      expect(passed.state).toEqual({ total: 6 });
      await theirs.handle({ decider: counter, stream, command: increment(1, 10), metadata });
      // If-Match with the true revision (3) passes although the cache says 2.
      const matched = await mine.handle({
        decider: counter,
        stream,
        command: increment(1, 10),
        metadata,
        expectedRevision: 3n,
      });
      expect(matched.revision).toBe(4n);
      await theirs.handle({ decider: counter, stream, command: increment(1, 10), metadata });
      // A no-op answers with the true state, not the cached one.
      const noop = await mine.handle({ decider: counter, stream, command: increment(0), metadata });
      expect(noop).toMatchObject({ state: { total: 9 }, revision: 5n, events: [] });
    });
  });
});
