import type { RecordedEvent } from '../../infra/eventstore/port.ts';
import { positionToString } from '../../infra/eventstore/position.ts';

/** An event as an auditor sees it; revision and position are strings (bigints on the wire never are numbers). */
export const eventView = (event: RecordedEvent) => ({
  event_id: event.id,
  type: event.type,
  stream_name: event.streamName,
  revision: event.revision.toString(),
  position: positionToString(event.position),
  recorded_at: event.recordedAt.toISOString(),
  data: event.data,
  metadata: event.metadata,
});
