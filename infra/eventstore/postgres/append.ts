import type { Queryable } from '../../postgres/pool.ts';
import { VersionConflict } from '../errors.ts';
import type { AppendResult, EventToAppend, ExpectedRevision } from '../port.ts';

type AppendRow = {
  ok: boolean;
  o_revision: string | null;
  o_transaction_id: string | null;
  o_position: string | null;
};

const expectedText = (expected: ExpectedRevision) =>
  typeof expected === 'bigint' ? expected.toString() : expected;

/** A bigint anywhere in data or metadata would make JSON.stringify throw mid-append; say which event. */
const toJson = (event: EventToAppend, what: 'data' | 'metadata', value: unknown) => {
  try {
    return JSON.stringify(value);
  } catch (error) {
    throw new TypeError(
      `Event ${event.id} (${event.type}): ${what} is not JSON: ${(error as Error).message}`,
    );
  }
};

/**
 * Appends through `es_append` (migration 002): compare-and-set of the stream's revision and the insert of
 * every event in one statement, so one round trip. Works on a pool or on a client inside a transaction.
 */
export async function appendEvents(
  db: Queryable,
  stream: string,
  events: readonly EventToAppend[],
  expected: ExpectedRevision,
): Promise<AppendResult> {
  const { rows } = await db.query<AppendRow>({
    name: 'es_append',
    text: 'SELECT ok, o_revision, o_transaction_id, o_position FROM es_append($1, $2, $3::uuid[], $4::text[], $5::jsonb[], $6::jsonb[])',
    values: [
      stream,
      expectedText(expected),
      events.map((e) => e.id),
      events.map((e) => e.type),
      events.map((e) => toJson(e, 'data', e.data)),
      events.map((e) => toJson(e, 'metadata', e.metadata ?? {})),
    ],
  });
  const row = rows[0];
  if (!row) throw new Error('es_append returned no row');
  if (!row.ok) {
    throw new VersionConflict(stream, expected, row.o_revision === null ? undefined : BigInt(row.o_revision));
  }
  return {
    nextExpectedRevision: BigInt(row.o_revision ?? '-1'),
    // An empty append to an empty stream has no event to point at: the start of the log.
    position: {
      commit: BigInt(row.o_transaction_id ?? '0'),
      prepare: BigInt(row.o_position ?? '0'),
    },
  };
}
