import { randomUUID } from 'node:crypto';
import { requireValidEvent } from '../../domain/event-catalog.ts';
import type { EventToAppend } from '../../infra/eventstore/port.ts';
import { type CommandMetadata, eventMetadata } from './metadata.ts';

/**
 * A decided event as it is appended, the one way every write path builds it: checked against the
 * current schema of its type (one its readers would refuse is a defect, never stored: `requireValidEvent`
 * throws InvalidEvent), with the command's metadata and the time it occurred.
 */
export function eventToAppend(
  event: { type: string; data: unknown },
  metadata: CommandMetadata,
  occurredAt: Date,
  id: string = randomUUID(),
): EventToAppend {
  requireValidEvent(event.type, event.data);
  return {
    id,
    type: event.type,
    data: event.data as Record<string, unknown>,
    metadata: eventMetadata(metadata, occurredAt),
  };
}
