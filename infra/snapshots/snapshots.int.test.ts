import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandHandler } from '../../application/commands/command-handler.ts';
import { foldStream } from '../../application/commands/fold-stream.ts';
import type { StockCommand } from '../../domain/inventory/commands.ts';
import { emptyBook } from '../../domain/inventory/reservation-book.ts';
import { type StockState, stockDecider } from '../../domain/inventory/stock.ts';
import { DomainError } from '../../domain/shared/errors.ts';
import { makeId } from '../../domain/shared/ids.ts';
import { createTestDatabase } from '../../test/support/isolation.ts';
import { createEsdbEventStore } from '../eventstore/esdb/esdb-store.ts';
import { type EsdbTestDouble, startEsdbTestDouble } from '../eventstore/esdb-test-double/server.ts';
import type { EventStore } from '../eventstore/port.ts';
import { createPostgresEventStore } from '../eventstore/postgres/store.ts';
import { defaultSnapshotPolicies } from './policies.ts';
import { createPostgresSnapshotStore, migrateSnapshots } from './snapshot-store.ts';
import { createSnapshots } from './snapshots.ts';

// Snapshot + tail must fold to exactly what the whole stream folds to, on both event stores; a snapshot
// of another build, a damaged one or one that is not of its stream must fall back to the full fold.

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: pg.Pool;
let double: EsdbTestDouble;
const stores: Record<string, EventStore> = {};
const stockFingerprint = defaultSnapshotPolicies().find((p) => p.aggregate === 'stock')!.fingerprint;

beforeAll(async () => {
  database = await createTestDatabase('snapshots');
  pool = new pg.Pool({ connectionString: database.url, max: 4 });
  await migrateSnapshots(pool);
  stores.postgresql = await createPostgresEventStore({ connectionString: database.url, poolSize: 4 });
  double = await startEsdbTestDouble();
  stores.eventstoredb = createEsdbEventStore({ connectionString: double.connectionString });
});
afterAll(async () => {
  for (const store of Object.values(stores)) await store.close();
  await double?.stop();
  await pool?.end();
  await database?.drop();
});

const step = fc.record({
  kind: fc.constantFrom('receive', 'reserve', 'release', 'commit', 'return'),
  reservation: fc.integer({ min: 1, max: 6 }),
  quantity: fc.integer({ min: 1, max: 9 }),
});
type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

const commandOf = (productId: ReturnType<typeof makeId>, s: Step): StockCommand => {
  const reservationId = makeId('reservation', `r${s.reservation}`);
  switch (s.kind) {
    case 'receive':
      return { type: 'ReceiveStock', data: { productId, quantity: s.quantity } } as StockCommand;
    case 'reserve':
      return {
        type: 'ReserveStock',
        data: {
          productId,
          reservationId,
          quantity: s.quantity,
          expiresAt: '2030-01-01T00:00:00.000Z',
          now: '2026-01-01T00:00:00.000Z',
        },
      } as StockCommand;
    case 'release':
      return { type: 'ReleaseReservation', data: { productId, reservationId } } as StockCommand;
    case 'commit':
      return { type: 'CommitReservation', data: { productId, reservationId } } as StockCommand;
    default:
      return { type: 'ReturnCommittedStock', data: { productId, reservationId } } as StockCommand;
  }
};

let streams = 0;
const newProduct = () => makeId('product', `snap${++streams}${Date.now().toString(36)}`);
const metadata = { correlation_id: 'req_snapshots' };

for (const kind of ['postgresql', 'eventstoredb'] as const) {
  describe(`snapshots on ${kind}`, () => {
    const store = () => stores[kind]!;
    const snapshotsEvery = (every: number) =>
      createSnapshots({ store: createPostgresSnapshotStore(pool), every });
    const fullFold = async (stream: string) => (await foldStream(store(), stockDecider, stream))!;

    async function runSteps(
      stream: string,
      productId: ReturnType<typeof makeId>,
      steps: Step[],
      every: number,
    ) {
      const snapshots = snapshotsEvery(every);
      const handler = createCommandHandler({ store: store(), snapshots, cacheSize: 2 });
      for (const s of steps) {
        try {
          await handler.handle({ decider: stockDecider, stream, command: commandOf(productId, s), metadata });
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
        }
      }
      await snapshots.flush();
      return snapshots;
    }

    it('snapshot + tail folds to what the whole stream folds to', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(step, { minLength: 1, maxLength: 30 }),
          fc.integer({ min: 1, max: 8 }),
          async (steps, every) => {
            const productId = newProduct();
            const stream = `stock-${productId}`;
            await runSteps(stream, productId, steps, every);
            const full = await fullFold(stream);
            // A cold handler: no cached state, so the load starts from the snapshot when there is one.
            const cold = createCommandHandler({ store: store(), snapshots: snapshotsEvery(every) });
            const loaded = await cold.load(stockDecider, stream);
            expect(loaded.state).toEqual(full.state);
            expect(loaded.revision).toBe(full.revision);
            if (full.revision !== undefined && full.revision + 1n >= BigInt(every)) {
              expect(loaded.snapshotRevision).toBeDefined();
            }
          },
        ),
        { numRuns: 12 },
      );
    });

    it('loads from the snapshot and folds only the events after it', async () => {
      const productId = newProduct();
      const stream = `stock-${productId}`;
      await runSteps(
        stream,
        productId,
        Array.from({ length: 12 }, () => ({ kind: 'receive', reservation: 1, quantity: 1 })),
        5,
      );
      const { rows } = await pool.query(
        'SELECT revision::int AS revision FROM aggregate_snapshots WHERE stream_name = $1',
        [stream],
      );
      expect(rows[0]?.revision).toBe(9);
      // Doctored state with an intact checksum: only a load that starts at the snapshot can see it.
      const doctored: StockState = { productId, onHand: 1000, reserved: 0, reservations: emptyBook() };
      const [at] = await store().readStream(stream, { fromRevision: 9n, maxCount: 1 });
      const snapshotStore = createPostgresSnapshotStore(pool);
      await snapshotStore.delete(stream);
      await snapshotStore.write(stream, 'stock', stockFingerprint, {
        state: doctored,
        revision: 9n,
        eventId: at!.id,
      });
      const loaded = await createCommandHandler({ store: store(), snapshots: snapshotsEvery(5) }).load(
        stockDecider,
        stream,
      );
      expect(loaded).toEqual({ state: { ...doctored, onHand: 1002 }, revision: 11n, snapshotRevision: 9n });
    });

    it('ignores a snapshot of another build, a damaged one, and one not of its stream', async () => {
      const productId = newProduct();
      const stream = `stock-${productId}`;
      await runSteps(
        stream,
        productId,
        Array.from({ length: 6 }, () => ({ kind: 'receive', reservation: 1, quantity: 2 })),
        1000,
      );
      const full = await fullFold(stream);
      const [at] = await store().readStream(stream, { fromRevision: 3n, maxCount: 1 });
      const wrong = { state: { bogus: true }, revision: 3n, eventId: at!.id };
      const snapshotStore = createPostgresSnapshotStore(pool);
      const loadCold = () =>
        createCommandHandler({ store: store(), snapshots: snapshotsEvery(1000) }).load(stockDecider, stream);

      await snapshotStore.write(stream, 'stock', 'another-build', wrong);
      expect(await loadCold()).toEqual({ state: full.state, revision: full.revision });

      await snapshotStore.write(stream, 'stock', stockFingerprint, wrong);
      await pool.query(`UPDATE aggregate_snapshots SET state = '{"bogus":false}' WHERE stream_name = $1`, [
        stream,
      ]);
      expect(await loadCold()).toEqual({ state: full.state, revision: full.revision });

      await snapshotStore.delete(stream);
      await snapshotStore.write(stream, 'stock', stockFingerprint, { ...wrong, eventId: 'not-this-stream' });
      const snapshots = snapshotsEvery(1000);
      const loaded = await createCommandHandler({ store: store(), snapshots }).load(stockDecider, stream);
      expect(loaded).toEqual({ state: full.state, revision: full.revision });
      await snapshots.flush();
      const { rowCount } = await pool.query('SELECT 1 FROM aggregate_snapshots WHERE stream_name = $1', [
        stream,
      ]);
      expect(rowCount).toBe(0);
    });

    it('racing handlers on a snapshotted stream never oversell', async () => {
      const productId = newProduct();
      const stream = `stock-${productId}`;
      await runSteps(stream, productId, [{ kind: 'receive', reservation: 1, quantity: 5 }], 1);
      const handlers = [1, 2, 3].map(() =>
        createCommandHandler({ store: store(), snapshots: snapshotsEvery(2), maxRetries: 40 }),
      );
      const outcomes = await Promise.allSettled(
        Array.from({ length: 9 }, (_, i) =>
          handlers[i % 3]!.handle({
            decider: stockDecider,
            stream,
            command: commandOf(productId, { kind: 'reserve', reservation: i + 1, quantity: 1 }),
            metadata,
          }),
        ),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(5);
      const full = await fullFold(stream);
      expect(full.state.reserved).toBe(5);
      const cold = await createCommandHandler({ store: store(), snapshots: snapshotsEvery(2) }).load(
        stockDecider,
        stream,
      );
      expect(cold.state).toEqual(full.state);
    });
  });
}
