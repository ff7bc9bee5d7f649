import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { Logger } from '../logger.ts';
import { loadMigrations, runMigrations } from '../postgres/migrations.ts';

/** A folded state, the revision of the last event folded into it and that event's id. */
export type Snapshot<S> = { state: S; revision: bigint; eventId: string };

/** Where snapshots live: PostgreSQL (DATABASE_URL) whichever event store holds the streams. */
export interface SnapshotStore {
  /** The stream's snapshot written by this `fingerprint`, or undefined (none, another build's, or damaged). */
  read<S>(stream: string, fingerprint: string): Promise<Snapshot<S> | undefined>;
  /** Keeps the newest: a snapshot at a lower revision than the stored one (same fingerprint) is dropped. */
  write<S>(stream: string, aggregate: string, fingerprint: string, snapshot: Snapshot<S>): Promise<void>;
  delete(stream: string): Promise<void>;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Creates or updates the snapshot table (module `snapshots` in schema_migrations). */
export async function migrateSnapshots(pool: pg.Pool, logger?: Logger): Promise<{ applied: string[] }> {
  const migrations = await loadMigrations(new URL('./migrations/', import.meta.url));
  return runMigrations(pool, { module: 'snapshots', migrations, ...(logger ? { logger } : {}) });
}

/** The PostgreSQL snapshot store. State is stored as JSON text with its SHA-256, checked on read. */
export function createPostgresSnapshotStore(pool: pg.Pool): SnapshotStore {
  return {
    async read<S>(stream: string, fingerprint: string) {
      const { rows } = await pool.query<{
        revision: string;
        last_event_id: string;
        state: string;
        state_sha256: string;
      }>(
        `SELECT revision::text AS revision, last_event_id, state, state_sha256 FROM aggregate_snapshots
          WHERE stream_name = $1 AND fingerprint = $2`,
        [stream, fingerprint],
      );
      const row = rows[0];
      if (!row || sha256(row.state) !== row.state_sha256) return undefined;
      return {
        state: JSON.parse(row.state) as S,
        revision: BigInt(row.revision),
        eventId: row.last_event_id,
      };
    },

    async write<S>(stream: string, aggregate: string, fingerprint: string, snapshot: Snapshot<S>) {
      const state = JSON.stringify(snapshot.state);
      // A row of another build is replaced whatever its revision; of this build only by a newer one.
      await pool.query(
        `INSERT INTO aggregate_snapshots (stream_name, aggregate, fingerprint, revision, last_event_id, state, state_sha256)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (stream_name) DO UPDATE
            SET aggregate = EXCLUDED.aggregate, fingerprint = EXCLUDED.fingerprint,
                revision = EXCLUDED.revision, last_event_id = EXCLUDED.last_event_id, state = EXCLUDED.state,
                state_sha256 = EXCLUDED.state_sha256, written_at = now()
          WHERE aggregate_snapshots.fingerprint <> EXCLUDED.fingerprint
             OR aggregate_snapshots.revision < EXCLUDED.revision`,
        [
          stream,
          aggregate,
          fingerprint,
          snapshot.revision.toString(),
          snapshot.eventId,
          state,
          sha256(state),
        ],
      );
    },

    async delete(stream: string) {
      await pool.query('DELETE FROM aggregate_snapshots WHERE stream_name = $1', [stream]);
    },
  };
}
