import type { TopicMessages } from 'kafkajs';
import {
  contextOf,
  publishedDomainEventTypes,
  type TopicNames,
  toIntegrationEvents,
  toKafkaMessage,
} from '../../application/integration-events/index.ts';
import type { OutboundProjection } from '../../application/projection-runner/types.ts';
import type { RecordedEvent } from '../../infra/eventstore/port.ts';
import type { KafkaSink } from './kafka-sink.ts';

/** Domain events → integration messages grouped by topic, in log order within each topic (so per key). */
export function toTopicMessages(events: readonly RecordedEvent[], topics: TopicNames): TopicMessages[] {
  const byTopic = new Map<string, TopicMessages>();
  for (const event of events) {
    const context = contextOf(event);
    for (const integration of toIntegrationEvents(event)) {
      const { topic, message } = toKafkaMessage(integration, topics, context);
      let group = byTopic.get(topic);
      if (!group) {
        group = { topic, messages: [] };
        byTopic.set(topic, group);
      }
      group.messages.push(message);
    }
  }
  return [...byTopic.values()];
}

/** The publisher as an outbound projection: one Kafka send (acks = all) per batch of domain events. */
export function kafkaProjection(options: {
  name: string;
  sink: KafkaSink;
  topics: TopicNames;
}): OutboundProjection<TopicMessages[]> {
  return {
    kind: 'outbound',
    name: options.name,
    eventTypes: publishedDomainEventTypes,
    prepare: (events) => toTopicMessages(events, options.topics),
    async deliver(batch, signal) {
      if (batch.length > 0) await options.sink.send(batch, signal);
    },
  };
}
