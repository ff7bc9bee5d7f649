import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { documentFiles } from '../../infra/openapi/api-documents.ts';
import { clientTypeFiles, clientTypesText } from './client-types.ts';
import { mismatch } from './response-check.ts';

const root = resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(resolve(root, file), 'utf8');

describe('the e2e client types', () => {
  it.each(['command', 'query'] as const)(
    'test/api-client/%s-api.d.ts is what openapi-typescript makes of the checked-in document (npm run docs:openapi)',
    async (api) => {
      const document = JSON.parse(read(documentFiles[api]));
      expect(read(clientTypeFiles[api])).toBe(await clientTypesText(document, documentFiles[api]));
    },
  );
});

describe('mismatch: a sent body against its declared schema', () => {
  const schema = z.object({
    id: z.string(),
    items: z.array(z.object({ n: z.number() })),
    note: z.string().nullable(),
  });

  it('accepts exactly the declared shape', () => {
    expect(mismatch(schema, { id: 'a', items: [{ n: 1 }], note: null })).toBeNull();
  });

  it('names a field the schema does not declare, however deep', () => {
    expect(mismatch(schema, { id: 'a', items: [{ n: 1, extra: true }], note: null })).toContain(
      '$.items[0].extra',
    );
  });

  it('refuses a wrong type or a missing field', () => {
    expect(mismatch(schema, { id: 1, items: [], note: null })).toContain('id');
    expect(mismatch(schema, { id: 'a', items: [] })).toContain('note');
  });
});
