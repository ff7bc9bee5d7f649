// The pieces stream-length.ts composes as bin/start does: the PostgreSQL store behind composeStore
// (hash chain, personal data, tracing) and a snapshot store on the same database.
import pg from 'pg';
import type { Decider } from '../../domain/shared/decider.ts';
import { composeStore } from '../../infra/eventstore/decorate-store.ts';
import type { EventStore } from '../../infra/eventstore/port.ts';
import { createPostgresEventStore } from '../../infra/eventstore/postgres/store.ts';
import { openPersonalData } from '../../infra/privacy/personal-data.ts';
import { deciderFingerprint } from '../../infra/snapshots/fingerprint.ts';
import { createPostgresSnapshotStore, migrateSnapshots } from '../../infra/snapshots/snapshot-store.ts';
import { createSnapshots } from '../../infra/snapshots/snapshots.ts';

type Increment = { type: 'Increment'; data: { by: number } };
type Incremented = { type: 'Incremented'; data: { by: number; total: number } };
export const counter: Decider<Increment, Incremented, { total: number }> = {
  initialState: () => ({ total: 0 }),
  decide: (command, state) => [
    { type: 'Incremented', data: { by: command.data.by, total: state.total + command.data.by } },
  ],
  evolve: (state, event) => ({ total: state.total + event.data.by }),
};

export async function composedWorld(url: string, snapshotEvery: number) {
  const base = await createPostgresEventStore({ connectionString: url });
  const personalData = await openPersonalData({ connectionString: url, poolSize: 2 });
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  await migrateSnapshots(pool);
  const snapshotStore = createPostgresSnapshotStore(pool);
  const policy = {
    aggregate: 'counter',
    decider: counter,
    fingerprint: deciderFingerprint({ aggregate: 'counter', version: 1, sources: [], decider: counter }),
  };
  return {
    /** A freshly composed store: its hash-chain head cache is as cold as a restarted process's. */
    store: (): EventStore => composeStore(base, { personalData }),
    snapshots: () => createSnapshots({ store: snapshotStore, policies: [policy], every: snapshotEvery }),
    async close() {
      await pool.end();
      await personalData.close();
      await base.close();
    },
  };
}

/** Appends `count` counter events to a new stream in batches of 1,000. */
export async function fill(store: EventStore, stream: string, count: number) {
  for (let written = 0; written < count; ) {
    const batch = Math.min(1000, count - written);
    const events = Array.from({ length: batch }, (_, i) => ({
      id: crypto.randomUUID(),
      type: 'Incremented',
      data: { by: 1, total: written + i + 1 },
    }));
    await store.appendToStream(stream, events, {
      expectedRevision: written === 0 ? 'no_stream' : BigInt(written - 1),
    });
    written += batch;
  }
}
