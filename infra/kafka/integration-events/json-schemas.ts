import { z } from 'zod';
import { type IntegrationEventType, integrationEvents, topicNames } from './topics.ts';

/**
 * The JSON Schema files of docs/events/: one per integration event type and version, generated from
 * the zod schemas (the only source), with the topic the event travels on.
 */
export function renderIntegrationSchemas(): Map<string, string> {
  const files = new Map<string, string>();
  const topics = topicNames();
  for (const [type, { topic, schema }] of Object.entries(integrationEvents)) {
    const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'output' }) as Record<string, unknown>;
    const document = {
      $schema: json.$schema,
      title: type,
      'x-topic': topics[topic],
      'x-key': keyNote(type as IntegrationEventType),
      'x-schema-version': 1,
      ...Object.fromEntries(Object.entries(json).filter(([k]) => k !== '$schema')),
    };
    files.set(`${type}.v1.json`, `${JSON.stringify(document, null, 2)}\n`);
  }
  return files;
}

function keyNote(type: IntegrationEventType): string {
  if (type === 'CheckoutStarted') return 'reservation_id';
  const topic = integrationEvents[type].topic;
  if (topic === 'order') return 'order_id';
  if (topic === 'user') return type === 'ProductViewed' ? 'product_id' : 'user_id';
  return 'product_id';
}
