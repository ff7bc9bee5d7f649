import type { Kysely } from 'kysely';
import type { RecordedEvent } from '../../infra/eventstore/port.ts';
import type { Position } from '../../infra/eventstore/position.ts';
import { advanceCheckpoint, parkEvent, type Target } from './generations.ts';
import type { OutboundProjection, RunnerTables } from './types.ts';
import type { BatchWriter, Faults, OutboundSteps } from './writers.ts';

export type OutboundWriterDeps = {
  /** The runner's database (checkpoints and dead letters live in the runner's tables). */
  db: Kysely<RunnerTables>;
  signal: AbortSignal;
  faults?: Faults;
  /** Told when a batch starts and ends its delivery (for the lag figure). */
  onDelivering?: (events: readonly RecordedEvent[] | undefined) => void;
};

/**
 * The runner's writer for an outbound projection: applyBatch delivers, waits for the ack, then moves the
 * checkpoint in its own transaction; `outbound` lets follow() pipeline those steps.
 */
export function createOutboundWriter(
  projection: OutboundProjection,
  target: Target,
  deps: OutboundWriterDeps,
): BatchWriter & { outbound: OutboundSteps } {
  const { db, signal, faults } = deps;
  const deliver = async (events: readonly RecordedEvent[], prepared: unknown) => {
    deps.onDelivering?.(events);
    try {
      await projection.deliver(prepared, signal);
    } finally {
      deps.onDelivering?.(undefined);
    }
    await faults?.afterDeliver?.(events, signal);
  };
  const checkpointTo = async (from: Position | undefined, last: RecordedEvent) => {
    await faults?.afterWrites?.([last]);
    // One statement, its own transaction; committed with the WAL flush (what was acknowledged stays passed).
    await advanceCheckpoint(db, target, from, last.position, last.recordedAt);
  };
  return {
    outbound: { prepare: (events) => projection.prepare(events), deliver, checkpointTo },
    // follow() passes no `to` to an outbound projection: it moves past skipped events with `advance`.
    async applyBatch(events, from) {
      await deliver(events, projection.prepare(events));
      await checkpointTo(from, events[events.length - 1]!);
      return [];
    },
    park: (event, error, attempts, from: Position | undefined) =>
      db
        .transaction()
        .execute((trx) =>
          parkEvent(trx, target, { projection: projection.name, event, error, attempts, from }),
        ),
    advance: (from, to) => advanceCheckpoint(db, target, from, to, undefined),
  };
}

/**
 * The checkpoint trails the acknowledgements without holding up the next send: acknowledged batches queue
 * here and one write at a time moves the checkpoint over all of them (coalescing while a write is in
 * flight). It never moves over anything the outside has not acknowledged.
 */
export function createAckedCheckpoints(
  write: (last: RecordedEvent) => Promise<void>,
  moved: (last: RecordedEvent, count: number) => void,
) {
  let acked: { last: RecordedEvent; count: number } | undefined;
  let writing: Promise<void> | undefined;
  let writeError: { error: unknown } | undefined;
  const throwIfFailed = () => {
    if (writeError) throw writeError.error;
  };
  return {
    throwIfFailed,
    acked(last: RecordedEvent, count: number) {
      acked = { last, count: count + (acked?.count ?? 0) };
      writing ??= (async () => {
        try {
          while (acked && !writeError) {
            const batch = acked;
            acked = undefined;
            await write(batch.last);
            moved(batch.last, batch.count);
          }
        } catch (error) {
          writeError = { error };
        } finally {
          writing = undefined;
        }
      })();
    },
    /** Waits until every acknowledged batch is checkpointed; throws what a checkpoint write threw. */
    async drain() {
      while (writing) await writing;
      throwIfFailed();
    },
    /** Waits for a write in flight, whatever its outcome (before a restart). */
    async settle() {
      while (writing) await writing;
    },
  };
}
