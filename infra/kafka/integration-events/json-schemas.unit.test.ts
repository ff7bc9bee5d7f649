import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderIntegrationSchemas } from './json-schemas.ts';

const dir = resolve(import.meta.dirname, '../../../docs/events');

describe('docs/events/*.json', () => {
  it('match the zod schemas (run `npm run docs:integration-events` when this fails)', () => {
    const expected = renderIntegrationSchemas();
    const onDisk = readdirSync(dir).filter((name) => name.endsWith('.json'));
    expect(onDisk.sort()).toEqual([...expected.keys()].sort());
    for (const [name, text] of expected) expect(readFileSync(resolve(dir, name), 'utf8'), name).toBe(text);
  });

  it('say no to additional properties, so consumers can rely on the listed fields', () => {
    for (const text of renderIntegrationSchemas().values()) {
      expect(JSON.parse(text)).toMatchObject({ additionalProperties: false, 'x-schema-version': 1 });
    }
  });
});
