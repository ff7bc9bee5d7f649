import { z } from 'zod';
import type { EventCatalogEntry } from '../domain/event-catalog.ts';

type JsonSchema = {
  type?: string | string[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
};

const typeOf = (schema: JsonSchema): string => {
  if (schema.const !== undefined) return `\`${JSON.stringify(schema.const)}\``;
  if (schema.enum) return schema.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' \\| ');
  if (schema.anyOf) return schema.anyOf.map(typeOf).join(' \\| ');
  if (schema.type === 'array') return `${schema.items ? typeOf(schema.items) : 'any'}[]`;
  const type = Array.isArray(schema.type) ? schema.type.join(' \\| ') : (schema.type ?? 'any');
  return schema.format ? `${type} (${schema.format})` : type;
};

const describeOf = (schema: JsonSchema): string =>
  schema.description ?? schema.anyOf?.find((s) => s.description)?.description ?? '';

/** Renders docs/events.md from the zod schemas: one section per event with its stream, meaning and fields. */
export function renderEventDocs(catalog: EventCatalogEntry[]): string {
  const lines = [
    '# Domain events',
    '',
    'Generated from the zod schemas in `domain/*/events.ts` by `npm run docs:events`; a test fails when this',
    'file is stale. These are private to the system: analytics consumers get integration events instead.',
    'Every event also carries metadata: `correlation_id`, `causation_id`, `user_id`, `traceparent`,',
    '`request_id`, `occurred_at`. Event data is snake_case; money is integer minor units with a currency.',
    '',
  ];
  for (const context of [...new Set(catalog.map((entry) => entry.context))]) {
    lines.push(`## ${context}`, '');
    for (const entry of catalog.filter((e) => e.context === context)) {
      for (const [type, schema] of Object.entries(entry.schemas)) {
        const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
        lines.push(`### ${type}`, '', `Stream \`${entry.stream}\`. ${json.description ?? ''}`.trim(), '');
        lines.push('| field | type | required | meaning |', '|---|---|---|---|');
        for (const [name, property] of Object.entries(json.properties ?? {})) {
          const required = json.required?.includes(name) ? 'yes' : 'no';
          lines.push(
            `| \`${name}\` | ${typeOf(property)} | ${required} | ${describeOf(property).replace(/\|/g, '\\|')} |`,
          );
        }
        lines.push('');
      }
    }
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
