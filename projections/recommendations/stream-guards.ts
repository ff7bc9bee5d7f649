import { sql } from 'kysely';
import type { ReadModelTrx } from '../../application/projection-runner/types.ts';
import type { RecordedEvent } from '../../infra/eventstore/port.ts';

/**
 * The stream guards of a run of events, read once and folded in log order: `fresh` holds the events that
 * take effect (above their stream's last applied revision, as `firstTime` decides event by event), and
 * `write` stores the guards they moved with one upsert.
 */
export async function foldStreamGuards(events: readonly RecordedEvent[], trx: ReadModelTrx, schema: string) {
  const streams = [...new Set(events.map((e) => e.streamName))];
  const { rows } = await sql<{ stream_name: string; revision: string }>`
    SELECT stream_name, revision::text AS revision FROM ${sql.id(schema, 'stream_guard')}
    WHERE stream_name = ANY(${streams}::text[])`.execute(trx);
  const guards = new Map(rows.map((r) => [r.stream_name, BigInt(r.revision)]));
  const moved = new Set<string>();
  const fresh: RecordedEvent[] = [];
  for (const event of events) {
    const guard = guards.get(event.streamName);
    if (guard !== undefined && guard >= event.revision) continue;
    guards.set(event.streamName, event.revision);
    moved.add(event.streamName);
    fresh.push(event);
  }
  return {
    fresh,
    async write() {
      if (moved.size === 0) return;
      const names = [...moved];
      await sql`
        INSERT INTO ${sql.id(schema, 'stream_guard')} (stream_name, revision)
        SELECT * FROM unnest(${names}::text[], ${names.map((n) => guards.get(n)!.toString())}::bigint[])
        ON CONFLICT (stream_name) DO UPDATE SET revision = excluded.revision`.execute(trx);
    },
  };
}
