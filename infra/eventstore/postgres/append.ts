import type { Queryable } from '../../postgres/pool.ts';
import { VersionConflict } from '../errors.ts';
import type { AppendResult, EventToAppend, ExpectedRevision } from '../port.ts';

/** One caller's append: its stream, its events (at least one), its expected revision. */
export type AppendRequest = {
  stream: string;
  events: readonly EventToAppend[];
  expected: ExpectedRevision;
};

/** What each append of a batch got: its own result, or its own error. */
export type AppendOutcome = AppendResult | Error;

type Row = {
  o_outcome: 'ok' | 'conflict' | 'duplicate' | 'too_old';
  o_revision: string | null;
  o_transaction_id: string | null;
  o_position: string | null;
  o_actual: string | null;
};

/**
 * The whole batch is one call of es_append_batch (migration 004): one statement, one round trip, one
 * transaction, one commit. The batch travels as one JSON array, each append as `{s, x, e}` (stream,
 * expected revision, events).
 */
const BATCH = { name: 'es_append_batch', text: 'SELECT * FROM es_append_batch($1::jsonb)' };

const expectedText = (expected: ExpectedRevision) =>
  typeof expected === 'bigint' ? expected.toString() : expected;

/** One append as JSON. A bigint anywhere would make JSON.stringify throw: say which event. */
function encode({ stream, events, expected }: AppendRequest): string {
  try {
    return JSON.stringify({
      s: stream,
      x: expectedText(expected),
      e: events.map((e) => ({ id: e.id, type: e.type, data: e.data, metadata: e.metadata ?? {} })),
    });
  } catch (error) {
    for (const event of events) {
      try {
        JSON.stringify([event.data, event.metadata ?? {}]);
      } catch (inner) {
        throw new TypeError(`Event ${event.id} (${event.type}) is not JSON: ${(inner as Error).message}`);
      }
    }
    throw error;
  }
}

function outcomeOf(request: AppendRequest, row: Row | undefined): AppendOutcome {
  const { stream, expected } = request;
  switch (row?.o_outcome) {
    case 'ok':
      return {
        nextExpectedRevision: BigInt(row.o_revision!),
        position: { commit: BigInt(row.o_transaction_id!), prepare: BigInt(row.o_position!) },
      };
    case 'conflict':
      return new VersionConflict(stream, expected, row.o_actual === null ? undefined : BigInt(row.o_actual));
    case 'duplicate':
      return new Error(
        `Append to ${stream}: some of these event ids are already stored, not as this same append`,
      );
    case 'too_old':
      return new Error(
        `Append to ${stream}: a newer transaction appended first; this transaction (id assigned ` +
          'earlier) cannot append after it. Retry in a new transaction.',
      );
    default:
      return new Error(`Append to ${stream}: no outcome reported`);
  }
}

/**
 * Appends a batch, each append with EventStoreDB's semantics and its own outcome: one append's conflict
 * or bad event never fails the others. Works on a pool (one transaction of its own) or on a client inside
 * a transaction. Idempotent: the same event ids at the revision they were written at return the original
 * result. Should the statement itself fail (a fault the function does not foresee), each append is sent
 * again on its own, so only the one at fault gets the error.
 */
export async function appendBatch(
  db: Queryable,
  requests: readonly AppendRequest[],
): Promise<AppendOutcome[]> {
  const outcomes: (AppendOutcome | undefined)[] = requests.map(() => undefined);
  const sent: number[] = [];
  const parts: string[] = [];
  requests.forEach((request, i) => {
    try {
      parts.push(encode(request));
      sent.push(i);
    } catch (error) {
      outcomes[i] = error as Error;
    }
  });
  if (sent.length > 0) {
    try {
      const { rows } = await db.query<Row>({ ...BATCH, values: [`[${parts.join(',')}]`] });
      sent.forEach((i, k) => {
        outcomes[i] = outcomeOf(requests[i]!, rows[k]);
      });
    } catch (error) {
      if (sent.length === 1) outcomes[sent[0]!] = error as Error;
      else
        for (const i of sent) {
          const [alone] = await appendBatch(db, [requests[i]!]);
          outcomes[i] = alone!;
        }
    }
  }
  return outcomes as AppendOutcome[];
}

/** One append on its own (a batch of one); an empty append only checks the expectation. */
export async function appendEvents(
  db: Queryable,
  stream: string,
  events: readonly EventToAppend[],
  expected: ExpectedRevision,
): Promise<AppendResult> {
  if (events.length === 0) return appendNothing(db, stream, expected);
  const [outcome] = await appendBatch(db, [{ stream, events, expected }]);
  if (outcome instanceof Error) throw outcome;
  return outcome!;
}

/** An empty append only checks the expectation, and answers with the stream's current revision. */
export async function appendNothing(
  db: Queryable,
  stream: string,
  expected: ExpectedRevision,
): Promise<AppendResult> {
  const { rows } = await db.query<{
    revision: string;
    transaction_id: string | null;
    position: string | null;
  }>(
    `SELECT s.revision, m.transaction_id::text, m.global_position AS position FROM streams s
       LEFT JOIN LATERAL (SELECT transaction_id, global_position FROM messages
         WHERE stream_name = s.stream_name ORDER BY stream_revision DESC LIMIT 1) m ON true
      WHERE s.stream_name = $1`,
    [stream],
  );
  const actual = rows[0] ? BigInt(rows[0].revision) : undefined;
  const holds =
    expected === 'any' ||
    (expected === 'no_stream' && actual === undefined) ||
    (expected === 'stream_exists' && actual !== undefined) ||
    (typeof expected === 'bigint' && actual === expected);
  if (!holds) throw new VersionConflict(stream, expected, actual);
  return {
    nextExpectedRevision: actual ?? -1n,
    position: { commit: BigInt(rows[0]?.transaction_id ?? '0'), prepare: BigInt(rows[0]?.position ?? '0') },
  };
}
