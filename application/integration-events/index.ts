// The public contract analytics consumers read: schemas, topics, and how domain events map onto them.
export * from './catalog-events.ts';
export { derivedEventId, integrationEventId, integrationEventIdFor } from './event-id.ts';
export * from './inventory-events.ts';
export {
  type IntegrationMessage,
  privateDomainEvents,
  publishedDomainEventTypes,
  toIntegrationEvents,
} from './mapping.ts';
export { contextOf, type MessageContext, messageHeaders, toKafkaMessage } from './messages.ts';
export * from './order-events.ts';
export { type PublishedSchema, publishedSchema, publishedSchemas } from './published-versions.ts';
export * from './topics.ts';
export * from './user-events.ts';
