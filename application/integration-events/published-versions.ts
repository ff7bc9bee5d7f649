import type { z } from 'zod';
import { integrationSchemaVersions, previousIntegrationSchemas } from './order-events.ts';
import { type IntegrationEventType, integrationEvents } from './topics.ts';
import { variantVersions } from './variant-versions.ts';

export type PublishedSchema = { type: IntegrationEventType; version: number; schema: z.ZodType };

/**
 * Every (type, version) the contract holds: each type's own version, the earlier versions still
 * published (OrderPlaced 1), and the versions of facts that name a variant. docs/events/ has one JSON
 * Schema for each; a consumer picks the schema by the message's `event_type` and `schema_version`.
 */
export const publishedSchemas: readonly PublishedSchema[] = [
  ...Object.entries(integrationEvents).map(([type, { schema }]) => ({
    type: type as IntegrationEventType,
    version: integrationSchemaVersions[type] ?? 1,
    schema,
  })),
  ...previousIntegrationSchemas.map(({ type, version, schema }) => ({ type, version, schema })),
  ...Object.entries(variantVersions).map(([type, { version, schema }]) => ({
    type: type as IntegrationEventType,
    version,
    schema,
  })),
];

/** The schema of one published (type, version); undefined for a version the contract does not have. */
export const publishedSchema = (type: string, version: number): z.ZodType | undefined =>
  publishedSchemas.find((p) => p.type === type && p.version === version)?.schema;
