import type { Kysely } from 'kysely';
import type { RecordedEvent } from '../../infra/eventstore/port.ts';
import type { Position } from '../../infra/eventstore/position.ts';
import { advanceCheckpoint, parkEvent, type Target } from '../runner/generations.ts';
import type { RunnerTables } from '../runner/types.ts';
import type { BatchWriter } from '../runner/writers.ts';
import type { OutboundFaults, OutboundProjection } from './outbound.ts';

export type OutboundWriterDeps = {
  /** The runner's database (checkpoints and dead letters live in the runner's tables). */
  db: Kysely<RunnerTables>;
  signal: AbortSignal;
  faults?: OutboundFaults;
  /** Told when a batch starts and ends its delivery (for the lag figure). */
  onDelivering?: (events: readonly RecordedEvent[] | undefined) => void;
};

export type OutboundWriter = BatchWriter & {
  /** Sends a prepared batch and waits for the acknowledgement; moves no checkpoint. */
  deliverPrepared(events: readonly RecordedEvent[], prepared: unknown): Promise<void>;
  /** Moves the checkpoint from `from` to `last` (everything up to `last` must be acknowledged). */
  checkpointTo(from: Position | undefined, last: RecordedEvent): Promise<void>;
  /** applyBatch with `prepare` already done (the pipelined path). */
  applyPrepared(
    events: readonly RecordedEvent[],
    prepared: unknown,
    from: Position | undefined,
  ): Promise<void>;
  prepare(events: readonly RecordedEvent[]): unknown;
};

/** The runner's BatchWriter for an outbound projection: deliver, wait for the ack, then move the checkpoint. */
export function createOutboundWriter(
  projection: OutboundProjection,
  target: Target,
  deps: OutboundWriterDeps,
): OutboundWriter {
  const { db, signal, faults } = deps;
  const deliverPrepared = async (events: readonly RecordedEvent[], prepared: unknown) => {
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
    await db
      .transaction()
      .execute((trx) => advanceCheckpoint(trx, target, from, last.position, last.recordedAt));
  };
  const applyPrepared = async (
    events: readonly RecordedEvent[],
    prepared: unknown,
    from: Position | undefined,
  ) => {
    await deliverPrepared(events, prepared);
    await checkpointTo(from, events[events.length - 1]!);
  };
  return {
    prepare: (events) => projection.prepare(events),
    deliverPrepared,
    checkpointTo,
    applyPrepared,
    async applyBatch(events, from) {
      await applyPrepared(events, projection.prepare(events), from);
      return [];
    },
    park: (event, error, attempts, from: Position | undefined) =>
      db
        .transaction()
        .execute((trx) =>
          parkEvent(trx, target, { projection: projection.name, event, error, attempts, from }),
        ),
    advance: (from, to) =>
      db.transaction().execute((trx) => advanceCheckpoint(trx, target, from, to, undefined)),
  };
}
