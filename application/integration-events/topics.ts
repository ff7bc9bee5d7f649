import type { z } from 'zod';
import { catalogTopicSchemas } from './catalog-events.ts';
import { inventoryTopicSchemas } from './inventory-events.ts';
import { orderTopicSchemas } from './order-events.ts';
import { userTopicSchemas } from './user-events.ts';

export const topicKinds = ['order', 'inventory', 'catalog', 'user'] as const;
export type TopicKind = (typeof topicKinds)[number];

/** Topic names: `order-events` etc., behind an optional prefix (tests and staging use their own). */
export type TopicNames = Record<TopicKind, string>;
export const topicNames = (prefix = ''): TopicNames => ({
  order: `${prefix}order-events`,
  inventory: `${prefix}inventory-events`,
  catalog: `${prefix}catalog-events`,
  user: `${prefix}user-events`,
});

const byTopic = {
  order: orderTopicSchemas,
  inventory: inventoryTopicSchemas,
  catalog: catalogTopicSchemas,
  user: userTopicSchemas,
} as const;

export type IntegrationEventType = {
  [K in TopicKind]: keyof (typeof byTopic)[K];
}[TopicKind];

/** Every public integration event: its schema and the topic it goes to. */
export const integrationEvents: Record<IntegrationEventType, { topic: TopicKind; schema: z.ZodType }> =
  Object.fromEntries(
    topicKinds.flatMap((topic) =>
      Object.entries(byTopic[topic]).map(([type, schema]) => [type, { topic, schema: schema as z.ZodType }]),
    ),
  ) as Record<IntegrationEventType, { topic: TopicKind; schema: z.ZodType }>;

export type IntegrationEventOf<T extends IntegrationEventType> = T extends keyof typeof orderTopicSchemas
  ? z.infer<(typeof orderTopicSchemas)[T]>
  : T extends keyof typeof inventoryTopicSchemas
    ? z.infer<(typeof inventoryTopicSchemas)[T]>
    : T extends keyof typeof catalogTopicSchemas
      ? z.infer<(typeof catalogTopicSchemas)[T]>
      : T extends keyof typeof userTopicSchemas
        ? z.infer<(typeof userTopicSchemas)[T]>
        : never;
