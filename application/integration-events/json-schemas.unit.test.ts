import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderIntegrationSchemas } from './json-schemas.ts';
import { integrationSchemaVersions } from './order-events.ts';
import { variantVersions } from './variant-versions.ts';

const dir = resolve(import.meta.dirname, '../../docs/events');

describe('docs/events/*.json', () => {
  it('match the zod schemas (run `npm run docs:integration-events` when this fails)', () => {
    const expected = renderIntegrationSchemas();
    const onDisk = readdirSync(dir).filter((name) => name.endsWith('.json'));
    expect(onDisk.sort()).toEqual([...expected.keys()].sort());
    for (const [name, text] of expected) expect(readFileSync(resolve(dir, name), 'utf8'), name).toBe(text);
  });

  it('say no to additional properties, so consumers can rely on the listed fields', () => {
    for (const [name, text] of renderIntegrationSchemas()) {
      const version = Number(/\.v(\d+)\.json$/.exec(name)?.[1]);
      expect(JSON.parse(text), name).toMatchObject({
        additionalProperties: false,
        'x-schema-version': version,
      });
    }
  });

  it('keep OrderPlaced version 1 beside version 2, which only adds fields', () => {
    const files = renderIntegrationSchemas();
    const v1 = JSON.parse(files.get('OrderPlaced.v1.json')!);
    const v2 = JSON.parse(files.get('OrderPlaced.v2.json')!);
    for (const field of Object.keys(v1.properties)) expect(v2.properties, field).toHaveProperty(field);
    expect(
      Object.keys(v2.properties)
        .filter((f) => !(f in v1.properties))
        .sort(),
    ).toEqual(['coupon', 'discount']);
    expect(v2.properties.schema_version.const).toBe(2);
  });

  it("keep each type's version before variants, and add only the variant's fields in the next", () => {
    const files = renderIntegrationSchemas();
    /** Every property path of a schema, lines' fields included (`items[].sku`). */
    const paths = (schema: { properties?: Record<string, { items?: object }> }, at = ''): string[] =>
      Object.entries(schema.properties ?? {}).flatMap(([name, property]) => [
        `${at}${name}`,
        ...(property.items ? paths(property.items as never, `${at}${name}[].`) : []),
      ]);
    for (const [type, { version }] of Object.entries(variantVersions)) {
      const before = JSON.parse(files.get(`${type}.v${integrationSchemaVersions[type] ?? 1}.json`)!);
      const after = JSON.parse(files.get(`${type}.v${version}.json`)!);
      const added = paths(after).filter((p) => !paths(before).includes(p));
      expect(
        paths(before).filter((p) => !paths(after).includes(p)),
        type,
      ).toEqual([]);
      expect(added.length, type).toBeGreaterThan(0);
      for (const path of added) expect(path, type).toMatch(/(^|\.)(variant_id|sku|variant_options)$/);
    }
  });
});
