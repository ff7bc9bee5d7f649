import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { renderEventDocs } from '../bin/event-docs.ts';
import { eventCatalog } from '../domain/event-catalog.ts';

describe('docs/events.md', () => {
  it('is generated from the current schemas (run `npm run docs:events` when this fails)', () => {
    const onDisk = readFileSync(resolve(import.meta.dirname, '../docs/events.md'), 'utf8');
    expect(onDisk).toBe(renderEventDocs(eventCatalog));
  });

  it('lists every event with a meaning and schema_version', () => {
    for (const entry of eventCatalog) {
      for (const [type, schema] of Object.entries(entry.schemas)) {
        const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
          description?: string;
          properties?: Record<string, unknown>;
        };
        expect(json.description, `${type} has a .describe() meaning`).toBeTruthy();
        expect(Object.keys(json.properties ?? {}), `${type} carries schema_version`).toContain(
          'schema_version',
        );
      }
    }
  });

  it('renders a changed schema differently (the staleness check can fail)', () => {
    const changed = [
      {
        context: 'x',
        stream: 'x-<id>',
        schemas: { Happened: z.object({ schema_version: z.literal(1) }).describe('m') },
      },
    ];
    const again = [
      {
        context: 'x',
        stream: 'x-<id>',
        schemas: { Happened: z.object({ schema_version: z.literal(2) }).describe('m') },
      },
    ];
    expect(renderEventDocs(changed)).not.toBe(renderEventDocs(again));
  });
});
