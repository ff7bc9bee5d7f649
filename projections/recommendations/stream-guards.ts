import { sql } from 'kysely';
import type { ReadModelTrx } from '../../application/projection-runner/types.ts';
import type { RecordedEvent } from '../../infra/eventstore/port.ts';

/**
 * The stream guards of a run of events, read once and folded in log order: `fresh` holds the events that
 * take effect (above their stream's last applied revision, as `firstTime` decides event by event), and
 * `upsert` is the one statement that stores the guards they moved (undefined when none moved), for the
 * caller to run on its own or as a data-modifying `WITH` of another of the batch's statements.
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
  const names = [...moved];
  return {
    fresh,
    upsert:
      names.length === 0
        ? undefined
        : sql`
        INSERT INTO ${sql.id(schema, 'stream_guard')} (stream_name, revision)
        SELECT * FROM unnest(${names}::text[], ${names.map((n) => guards.get(n)!.toString())}::bigint[])
        ON CONFLICT (stream_name) DO UPDATE SET revision = excluded.revision`,
  };
}
