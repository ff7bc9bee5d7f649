import type { RecordedEvent } from '../../infra/eventstore/port.ts';
import type { Faults } from '../runner/writers.ts';

/**
 * A projection whose effect is outside our databases (Kafka): `deliver` resolves only once the outside
 * acknowledged the batch, and only then does the checkpoint move. At-least-once: a crash between the
 * acknowledgement and the checkpoint delivers the batch again on restart.
 *
 * The runner's `Projection` union has no such kind yet; `createOutboundRunner` runs it on the runner's
 * own pieces (lease, generations, follow, dead letters). Folding it in means one more union member and
 * one more branch in `createBatchWriter` (prepare, deliver, then advance the checkpoint in its own
 * transaction), plus follow-outbound.ts's adaptive batching and pipelining in follow().
 */
export type OutboundProjection<Prepared = unknown> = {
  kind: 'outbound';
  name: string;
  eventTypes: readonly string[];
  /**
   * CPU only: what `deliver` sends for these events. Throws for an event it cannot express (that
   * event is then parked). Runs while the previous batch is still on its way.
   */
  prepare(events: readonly RecordedEvent[]): Prepared;
  /** Must not resolve before the batch is acknowledged; throws AbortError when `signal` aborts. */
  deliver(prepared: Prepared, signal: AbortSignal): Promise<void>;
};

/** Test seams: after the acknowledgement, before the checkpoint (simulate a crash there). */
export type OutboundFaults = Faults & {
  afterDeliver?: (events: readonly RecordedEvent[], signal: AbortSignal) => void | Promise<void>;
};
