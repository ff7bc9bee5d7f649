import type { Decider, DomainEvent } from '../../domain/shared/decider.ts';
import { StreamNotFound } from '../../infra/eventstore/errors.ts';
import type { EventStore, RecordedEvent } from '../../infra/eventstore/port.ts';

/** Where a fold starts: a state at a revision; with `eventId`, the event that must stand at that revision. */
export type FoldStart<S> = { state: S; revision: bigint; eventId?: string };

export type Folded<S> = {
  state: S;
  revision: bigint | undefined;
  /** The id of the event at `revision`, when the fold read it. */
  lastEventId: string | undefined;
  /** Events read from the store and folded. */
  folded: number;
};

const PAGE_SIZE = 1000;

/**
 * Folds a stream's events after `start` (all of them without one). A start with `eventId` is checked
 * against the store: the read begins at its revision, and unless the event there has that id the start
 * does not belong to this stream (a snapshot from another database, or ahead of it) and the result is
 * undefined.
 */
export async function foldStream<E extends DomainEvent, S>(
  store: EventStore,
  decider: Pick<Decider<never, E, S>, 'evolve' | 'initialState'>,
  stream: string,
  start?: FoldStart<S>,
): Promise<Folded<S> | undefined> {
  let state = start ? start.state : decider.initialState();
  let revision = start?.revision;
  let lastEventId: string | undefined;
  let folded = 0;
  let verify = start?.eventId !== undefined;
  let from = start === undefined ? 0n : verify ? start.revision : start.revision + 1n;
  for (;;) {
    let page: RecordedEvent[];
    try {
      page = await store.readStream(stream, { fromRevision: from, maxCount: PAGE_SIZE });
    } catch (error) {
      if (!(error instanceof StreamNotFound)) throw error;
      page = [];
    }
    let events = page;
    if (verify) {
      const [first] = page;
      if (!first || first.revision !== start?.revision || first.id !== start.eventId) return undefined;
      lastEventId = first.id;
      events = page.slice(1);
      verify = false;
    }
    for (const recorded of events) {
      state = decider.evolve(state, { type: recorded.type, data: recorded.data } as E);
      revision = recorded.revision;
      lastEventId = recorded.id;
      folded += 1;
    }
    if (page.length < PAGE_SIZE) break;
    from = (revision ?? -1n) + 1n;
  }
  return { state, revision, lastEventId, folded };
}
