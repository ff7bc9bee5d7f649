import { StreamNotFound } from '../../infra/eventstore/errors.ts';
import type { EventStore, RecordedEvent } from '../../infra/eventstore/port.ts';
import { positionToString } from '../../infra/eventstore/position.ts';
import { type AggregateType, type AnyDecider, aggregateKinds, aggregateStream } from './aggregates.ts';
import { toJsonValue } from './json-value.ts';

/** A point in an aggregate's history: a moment (events recorded at or before it) or a revision (inclusive). */
export type AsOf = { kind: 'time'; at: Date } | { kind: 'revision'; revision: bigint } | { kind: 'now' };

export type StateAsOf = {
  aggregate_type: AggregateType;
  aggregate_id: string;
  stream_name: string;
  /** The revision the state stands at; null when the aggregate had no event yet at that point. */
  revision: string | null;
  position: string | null;
  /** When the last folded event was recorded. */
  recorded_at: string | null;
  events_folded: number;
  state: unknown;
};

/** The stream has fewer events than the revision asked for. */
export class RevisionNotReached extends Error {
  constructor(
    readonly stream: string,
    readonly revision: bigint,
    readonly head: bigint,
  ) {
    super(`${stream} stands at revision ${head}; revision ${revision} does not exist yet`);
    this.name = 'RevisionNotReached';
  }
}

const PAGE = 500;

/**
 * Folds the aggregate's own events with its decider up to `asOf`, reading the stream a page at a time
 * (memory: one page and the state). Time compares with `recorded_at`: what the store held at that moment.
 * Raises StreamNotFound when the stream has no events at all.
 */
export async function stateAsOf(
  store: EventStore,
  type: AggregateType,
  id: string,
  asOf: AsOf,
): Promise<StateAsOf> {
  const decider: AnyDecider = aggregateKinds[type].decider;
  const stream = aggregateStream(type, id);
  let state = decider.initialState();
  let last: RecordedEvent | undefined;
  let folded = 0;
  let from = 0n;
  const within = (event: RecordedEvent) =>
    asOf.kind === 'now' ||
    (asOf.kind === 'time'
      ? event.recordedAt.getTime() <= asOf.at.getTime()
      : event.revision <= asOf.revision);
  outer: for (;;) {
    const page = await store.readStream(stream, { fromRevision: from, maxCount: PAGE });
    for (const event of page) {
      if (!within(event)) break outer;
      state = decider.evolve(state, { type: event.type, data: event.data });
      last = event;
      folded += 1;
    }
    if (page.length < PAGE) break;
    from = page.at(-1)!.revision + 1n;
  }
  if (asOf.kind === 'revision' && (last === undefined || last.revision < asOf.revision)) {
    if (last === undefined) throw new StreamNotFound(stream);
    throw new RevisionNotReached(stream, asOf.revision, last.revision);
  }
  return {
    aggregate_type: type,
    aggregate_id: id,
    stream_name: stream,
    revision: last ? last.revision.toString() : null,
    position: last ? positionToString(last.position) : null,
    recorded_at: last ? last.recordedAt.toISOString() : null,
    events_folded: folded,
    state: toJsonValue(state),
  };
}
