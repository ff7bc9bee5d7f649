import type { EventMetadata } from '../../infra/eventstore/port.ts';

/** What a command carries about its cause; copied into every event it appends. */
export type CommandMetadata = {
  correlation_id: string;
  causation_id?: string;
  user_id?: string;
  traceparent?: string;
  request_id?: string;
};

export const eventMetadata = (metadata: CommandMetadata, occurredAt: Date): EventMetadata => ({
  ...Object.fromEntries(Object.entries(metadata).filter(([, value]) => value !== undefined)),
  occurred_at: occurredAt.toISOString(),
});
