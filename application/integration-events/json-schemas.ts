import { z } from 'zod';
import { publishedSchemas } from './published-versions.ts';
import { type IntegrationEventType, integrationEvents, topicNames } from './topics.ts';

/**
 * The JSON Schema files of docs/events/: one per integration event type and version, generated from
 * the zod schemas (the only source), with the topic the event travels on.
 */
export function renderIntegrationSchemas(): Map<string, string> {
  const files = new Map<string, string>();
  const topics = topicNames();
  const render = (type: string, version: number, schema: z.ZodType) => {
    const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'output' }) as Record<string, unknown>;
    const document = {
      $schema: json.$schema,
      title: type,
      'x-topic': topics[integrationEvents[type as IntegrationEventType].topic],
      'x-key': keyNote(type as IntegrationEventType),
      'x-schema-version': version,
      ...Object.fromEntries(Object.entries(json).filter(([k]) => k !== '$schema')),
    };
    files.set(`${type}.v${version}.json`, `${JSON.stringify(document, null, 2)}\n`);
  };
  for (const { type, version, schema } of publishedSchemas) render(type, version, schema);
  return files;
}

function keyNote(type: IntegrationEventType): string {
  if (type === 'CheckoutStarted') return 'reservation_id';
  const topic = integrationEvents[type].topic;
  if (topic === 'order') return 'order_id';
  if (topic === 'user') return type === 'ProductViewed' ? 'product_id' : 'user_id';
  return 'product_id';
}
