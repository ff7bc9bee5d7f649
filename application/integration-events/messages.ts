import type { Message } from 'kafkajs';
import type { RecordedEvent } from '../../infra/eventstore/port.ts';
import type { IntegrationMessage } from './mapping.ts';
import type { TopicNames } from './topics.ts';

/** The trace context a message carries, from the domain event's metadata or the request. */
export type MessageContext = { correlationId: string; traceparent?: string | undefined };

/** Headers every message carries: event_id, event_type, schema_version, correlation_id, traceparent. */
export function messageHeaders(message: IntegrationMessage, context: MessageContext): Record<string, string> {
  return {
    event_id: message.value.event_id,
    event_type: message.type,
    schema_version: String(message.value.schema_version),
    correlation_id: context.correlationId,
    ...(context.traceparent ? { traceparent: context.traceparent } : {}),
  };
}

/** A domain event's correlation: its metadata's, else its own id (a command without one started a chain). */
export function contextOf(event: RecordedEvent): MessageContext {
  const { correlation_id, traceparent } = event.metadata;
  return {
    correlationId: typeof correlation_id === 'string' && correlation_id ? correlation_id : event.id,
    traceparent: typeof traceparent === 'string' && traceparent ? traceparent : undefined,
  };
}

/** The kafkajs message for an integration event: key = aggregate id, value = the JSON object. */
export function toKafkaMessage(
  message: IntegrationMessage,
  topics: TopicNames,
  context: MessageContext,
): { topic: string; message: Message } {
  return {
    topic: topics[message.topic],
    message: {
      key: message.key,
      value: JSON.stringify(message.value),
      headers: messageHeaders(message, context),
    },
  };
}
