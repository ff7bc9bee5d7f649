import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { configSchema } from '../infra/config.ts';
import {
  configDescriptions,
  configTable,
  defaultText,
  tableEnd,
  tableStart,
  withConfigTable,
} from './config-docs.ts';

const operations = readFileSync(resolve(import.meta.dirname, '..', 'docs', 'operations.md'), 'utf8');

describe('the configuration table in docs/operations.md', () => {
  it('is what infra/config.ts generates now (npm run docs:config)', () => {
    expect(operations).toBe(withConfigTable(operations));
  });

  it('describes every variable of the schema, and nothing the schema lacks', () => {
    expect(Object.keys(configDescriptions).sort()).toEqual(Object.keys(configSchema.shape).sort());
  });

  it('shows each default as written in the environment', () => {
    const table = configTable();
    expect(table).toContain('| `COMMAND_API_PORT` | `3001` |');
    expect(table).toContain('| `TAX_RATE` | `0.08` |'); // the text, not the parsed rate
    expect(table).toContain('| `ROLES` | `all` |');
    expect(table).toContain('| `JWT_SECRET` | (unset) |');
  });

  it('reads defaults through pipes and transforms', () => {
    expect(
      defaultText(
        z
          .string()
          .default('x')
          .transform((s) => s.length),
      ),
    ).toBe('x');
    expect(defaultText(z.coerce.number().default(5))).toBe('5');
    expect(defaultText(z.string().optional())).toBeUndefined();
  });

  it('refuses a document without the markers instead of appending a table somewhere', () => {
    expect(() => withConfigTable('# no markers')).toThrow(/markers/);
    expect(withConfigTable(`a\n${tableStart}\nold\n${tableEnd}\nb`)).toContain(configTable());
  });
});
