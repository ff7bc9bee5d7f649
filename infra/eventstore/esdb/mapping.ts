import {
  type AllStreamResolvedEvent,
  ANY,
  eventTypeFilter,
  NO_STREAM,
  type ResolvedEvent,
  STREAM_EXISTS,
  streamNameFilter,
} from '@eventstore/db-client';
import type { EventFilter, EventMetadata, ExpectedRevision, RecordedEvent } from '../port.ts';
import type { Position } from '../position.ts';

/** Our expected revision in the client's vocabulary; a bigint passes through exactly. */
export function toClientExpectedRevision(expected: ExpectedRevision) {
  switch (expected) {
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    case 'any':
      return ANY;
    default:
      return expected;
  }
}

/** The client reports a missing stream as the string 'no_stream'; our conflict carries undefined. */
export const toActualRevision = (actual: bigint | string | undefined): bigint | undefined =>
  typeof actual === 'bigint' ? actual : undefined;

/** EventStoreDB's own events ($statsCollected, $metadata, projections' streams…) are never ours. */
export const isSystemEvent = (streamName: string, type: string) =>
  type.startsWith('$') || streamName.startsWith('$');

export function matchesFilter(filter: EventFilter | undefined, streamName: string, type: string): boolean {
  if (isSystemEvent(streamName, type)) return false;
  if (!filter) return true;
  if (filter.streamPrefixes && !filter.streamPrefixes.some((prefix) => streamName.startsWith(prefix)))
    return false;
  if (filter.eventTypes && !filter.eventTypes.includes(type)) return false;
  return true;
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A server-side filter that narrows what crosses the network. It can select on one axis only, so
 * `matchesFilter` still runs on every delivered event; the server filter is never the only guard.
 * No filter still excludes system events server-side, as the client's `excludeSystemEvents` does.
 */
export function toServerFilter(filter: EventFilter | undefined) {
  if (filter?.eventTypes) {
    const alternatives = filter.eventTypes.map(escapeRegex).join('|');
    // An empty list matches nothing; `(?!)` is a regex that never matches.
    return eventTypeFilter({ regex: alternatives ? `^(?:${alternatives})$` : '(?!)' });
  }
  if (filter?.streamPrefixes) {
    return filter.streamPrefixes.length > 0
      ? streamNameFilter({ prefixes: [...filter.streamPrefixes] })
      : eventTypeFilter({ regex: '(?!)' });
  }
  return eventTypeFilter({ regex: '^[^$]' });
}

type ClientRecorded = NonNullable<ResolvedEvent['event']> & { position?: Position };

/** The client's recorded event in our shape; positions and revisions stay bigint from wire to us. */
export function toRecordedEvent(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent {
  const event = resolved.event as ClientRecorded | undefined;
  if (!event) throw new Error('EventStoreDB returned a read result without an event');
  if (!event.position)
    throw new Error(`EventStoreDB returned ${event.streamId}@${event.revision} without a position`);
  if (!event.isJson) throw new Error(`Event ${event.id} in ${event.streamId} is not JSON`);
  const metadata = event.metadata;
  return {
    id: event.id,
    type: event.type,
    streamName: event.streamId,
    revision: event.revision,
    position: { commit: event.position.commit, prepare: event.position.prepare },
    data: event.data as Record<string, unknown>,
    metadata:
      metadata &&
      typeof metadata === 'object' &&
      !(metadata instanceof Uint8Array) &&
      !Array.isArray(metadata)
        ? (metadata as EventMetadata)
        : {},
    recordedAt: event.created,
  };
}
