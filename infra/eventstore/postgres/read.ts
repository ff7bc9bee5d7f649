import type { Queryable } from '../../postgres/pool.ts';
import { StreamNotFound } from '../errors.ts';
import type { ReadAllOptions, ReadAllPage, ReadStreamOptions, RecordedEvent } from '../port.ts';
import { comparePositions, type Position } from '../position.ts';

type MessageRow = {
  event_id: string;
  stream_name: string;
  stream_revision: string;
  transaction_id: string;
  global_position: string;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  recorded_at: Date;
};

const COLUMNS =
  'event_id, stream_name, stream_revision, transaction_id, global_position, type, data, metadata, recorded_at';

export const toRecordedEvent = (row: MessageRow): RecordedEvent => ({
  id: row.event_id,
  type: row.type,
  streamName: row.stream_name,
  revision: BigInt(row.stream_revision),
  position: { commit: BigInt(row.transaction_id), prepare: BigInt(row.global_position) },
  data: row.data,
  metadata: row.metadata,
  recordedAt: row.recorded_at,
});

/**
 * A stream's own events, newest writes included (the command side must read what it just wrote). One
 * statement: the stream row decides not-found, so a read past the end (a cached aggregate asking for newer
 * events) costs one round trip, not two.
 */
export async function readStream(
  db: Queryable,
  stream: string,
  options: ReadStreamOptions = {},
): Promise<RecordedEvent[]> {
  const backwards = options.direction === 'backwards';
  const from = options.fromRevision;
  const limit = options.maxCount ?? null;
  const range = backwards
    ? `($2::bigint IS NULL OR m.stream_revision <= $2) ORDER BY m.stream_revision DESC`
    : `m.stream_revision >= coalesce($2::bigint, 0) ORDER BY m.stream_revision`;
  const { rows } = await db.query<Nullable<MessageRow>>({
    name: backwards ? 'es_read_stream_backwards' : 'es_read_stream',
    text: `SELECT e.* FROM streams s LEFT JOIN LATERAL (
             SELECT ${COLUMNS} FROM messages m WHERE m.stream_name = s.stream_name AND ${range} LIMIT $3
           ) e ON true
           WHERE s.stream_name = $1
           ORDER BY e.stream_revision ${backwards ? 'DESC' : 'ASC'}`,
    values: [stream, from === undefined ? null : from.toString(), limit],
  });
  if (rows.length === 0) throw new StreamNotFound(stream);
  // The stream exists but nothing is in range: one row of nulls from the outer join.
  if (rows.length === 1 && rows[0]!.event_id === null) return [];
  return rows.map((row) => toRecordedEvent(row as MessageRow));
}

type Nullable<T> = { [K in keyof T]: T[K] | null };

const present = (list: readonly string[] | undefined) => (list && list.length > 0 ? [...list] : undefined);

const AFTER = '(transaction_id, global_position) > ($1::text::xid8, $2::bigint)';
const PREFIXES =
  '($4::text[] IS NULL OR EXISTS (SELECT 1 FROM unnest($4::text[]) p WHERE starts_with(stream_name, p)))';
const ORDER = 'ORDER BY transaction_id, global_position';

/**
 * The statement `readAll` runs for these options, with its values: exported so a test can `EXPLAIN` exactly
 * it. With event types, one branch per type reads that type's range of `messages_type_position_idx` in log
 * order, and the branches are merged (PostgreSQL's Merge Append) up to the limit, so a page costs what it
 * returns, however rare the types are in the log. Values: after (2), limit, prefixes, then one per type.
 */
export function readAllStatement(options: ReadAllOptions = {}) {
  const after = options.after;
  const prefixes = present(options.filter?.streamPrefixes);
  const types = present(options.filter?.eventTypes && [...new Set(options.filter.eventTypes)]);
  const values: unknown[] = [
    (after?.commit ?? 0n).toString(),
    (after?.prepare ?? 0n).toString(),
    options.maxCount ?? 1000,
  ];
  if (!prefixes && !types) {
    return {
      name: 'es_read_all',
      text: `SELECT ${COLUMNS}, false AS is_head FROM messages WHERE ${AFTER} ${ORDER} LIMIT $3`,
      values,
    };
  }
  values.push(prefixes ?? null);
  const where = (extra: string, after = AFTER) => [after, PREFIXES, extra].filter(Boolean).join(' AND ');
  let page: string;
  if (types) {
    const branches = types.map((type, i) => {
      values.push(type);
      const t = `$${5 + i}::text`;
      // The position bound written over the type index's columns: only that index can serve it, so a type
      // with no events ahead costs one index probe, not a scan of the rest of the log by position.
      const after = `(type, transaction_id, global_position) > (${t}, $1::text::xid8, $2::bigint)`;
      return `(SELECT ${COLUMNS} FROM messages WHERE ${where(`type = ${t}`, after)} ${ORDER} LIMIT $3)`;
    });
    page = `SELECT *, false AS is_head FROM (${branches.join(' UNION ALL ')}) page ${ORDER} LIMIT $3`;
  } else {
    page = `SELECT ${COLUMNS}, false AS is_head FROM messages WHERE ${where('')} ${ORDER} LIMIT $3`;
  }
  // The head row rides along in the same statement (same snapshot), since a filter could hide events.
  const text = `(${page}) UNION ALL (SELECT ${COLUMNS}, true FROM messages
       ORDER BY transaction_id DESC, global_position DESC LIMIT 1)`;
  return { name: `es_read_all_filtered_${types?.length ?? 0}`, text, values };
}

/**
 * One page of the global log in (transaction_id, global_position) order. No horizon: appends take the
 * append-order lock (migration 004), so the log becomes visible in this order and a reader that has seen a
 * position has seen everything before it (docs/read-horizon.md). With a filter,
 * an end-of-log page also reports how far the scan went (the newest visible position, read in the same
 * statement and so the same snapshot), so a filtered reader can move past events it does not want.
 */
export async function readAll(db: Queryable, options: ReadAllOptions = {}): Promise<ReadAllPage> {
  const after = options.after;
  const limit = options.maxCount ?? 1000;
  const { name, text, values } = readAllStatement(options);
  const { rows } = await db.query<MessageRow & { is_head: boolean }>({ name, text, values });
  const events: RecordedEvent[] = [];
  let head: Position | undefined;
  for (const row of rows) {
    if (row.is_head) head = { commit: BigInt(row.transaction_id), prepare: BigInt(row.global_position) };
    else events.push(toRecordedEvent(row));
  }
  const isEnd = events.length < limit;
  let next = events.at(-1)?.position ?? after;
  if (isEnd && head && (next === undefined || comparePositions(head, next) > 0)) next = head;
  return { events, next, isEnd };
}

/**
 * The newest committed position; undefined when the log is empty: what a reader must reach to have
 * seen every event committed so far (read-your-writes, the seed, tests).
 */
export async function headPosition(db: Queryable): Promise<Position | undefined> {
  const { rows } = await db.query<{ transaction_id: string; global_position: string }>({
    name: 'es_head_committed',
    text: `SELECT transaction_id, global_position FROM messages
           ORDER BY transaction_id DESC, global_position DESC LIMIT 1`,
  });
  const row = rows[0];
  return row ? { commit: BigInt(row.transaction_id), prepare: BigInt(row.global_position) } : undefined;
}
