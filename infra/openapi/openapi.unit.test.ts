import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defaultRouteModules } from '../../command-api/app.ts';
import { queryRouteModules } from '../../query-api/app.ts';
import { commandApiDocument, documentFiles, documentText, queryApiDocument } from './api-documents.ts';
import { documentedOperations, openApiFor, openApiPath } from './openapi-document.ts';
import { routeSpecsOf } from './route-specs.ts';

const root = resolve(import.meta.dirname, '../..');
const checkedIn = (file: string) => readFileSync(resolve(root, file), 'utf8');
const commandRoutes = routeSpecsOf(defaultRouteModules);
const queryRoutes = routeSpecsOf(queryRouteModules);

/** Every `$ref` in a document, to check that each names a component that exists. */
const refsOf = (node: unknown): string[] =>
  Array.isArray(node)
    ? node.flatMap(refsOf)
    : node && typeof node === 'object'
      ? Object.entries(node).flatMap(([key, value]) =>
          key === '$ref' && typeof value === 'string' ? [value] : refsOf(value),
        )
      : [];

/** The node a local `$ref` (`#/components/...`) points at, or undefined. */
const resolve$ref = (document: unknown, ref: string): unknown =>
  ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], document);

describe('checked-in OpenAPI documents', () => {
  it('docs/openapi/command-api.json is what the command API routes generate (npm run docs:openapi)', () => {
    expect(checkedIn(documentFiles.command)).toBe(documentText(commandApiDocument(commandRoutes)));
  });

  it('docs/openapi/query-api.json is what the query API routes generate (npm run docs:openapi)', () => {
    expect(checkedIn(documentFiles.query)).toBe(documentText(queryApiDocument(queryRoutes)));
  });

  it('documents every declared command API route', () => {
    const documented = documentedOperations(JSON.parse(checkedIn(documentFiles.command)));
    const declared = commandRoutes
      .map((r) => `${r.method.toUpperCase()} /api/v1${openApiPath(r.path)}`)
      .sort();
    expect(declared.length).toBeGreaterThan(10);
    expect(documented).toEqual(declared);
  });

  it('documents every declared query API route', () => {
    const documented = documentedOperations(JSON.parse(checkedIn(documentFiles.query)));
    const declared = queryRoutes.map((r) => `${r.method.toUpperCase()} /api/v1${openApiPath(r.path)}`).sort();
    expect(declared.length).toBeGreaterThan(10);
    expect(documented).toEqual(declared);
  });

  it('types every success answer that has a body: a schema, never "described elsewhere"', () => {
    for (const file of Object.values(documentFiles)) {
      const document = JSON.parse(checkedIn(file)) as {
        paths: Record<string, Record<string, { responses: Record<string, { content?: unknown }> }>>;
      };
      for (const [path, item] of Object.entries(document.paths))
        for (const [method, operation] of Object.entries(item)) {
          const success = Object.entries(operation.responses).filter(([status]) => status.startsWith('2'));
          expect(success, `${file}: ${method} ${path}`).toHaveLength(1);
          const [status, response] = success[0]!;
          if (status !== '202' && status !== '204')
            expect(response.content, `${file}: ${method} ${path} ${status}`).toBeDefined();
        }
    }
  });

  it('every $ref resolves to a component', () => {
    for (const file of Object.values(documentFiles)) {
      const document = JSON.parse(checkedIn(file));
      for (const ref of refsOf(document)) expect(resolve$ref(document, ref), `${file}: ${ref}`).toBeDefined();
    }
  });
});

describe('openApiFor', () => {
  const json = z.lazy(
    (): z.ZodType => z.union([z.string(), z.number(), z.array(json), z.record(z.string(), json)]),
  );
  const document = openApiFor(
    [
      {
        method: 'post',
        path: '/things/:thing_id/parts',
        access: ['admin'],
        body: z.object({ name: z.string().min(1), extra: json.optional() }),
        response: { status: 201, schema: z.object({ part_id: z.string() }) },
        summary: 'Add a part',
      },
      {
        method: 'get',
        path: '/things',
        access: 'public',
        query: z.object({ page: z.coerce.number().optional() }),
      },
    ],
    { title: 'T', version: '1' },
  ) as {
    paths: Record<string, Record<string, Record<string, unknown>>>;
    components: { schemas: Record<string, unknown> };
  };
  const addPart = document.paths['/api/v1/things/{thing_id}/parts']!.post!;

  it('describes path parameters even when the route does not validate them', () => {
    expect(addPart.parameters).toContainEqual({
      name: 'thing_id',
      in: 'path',
      required: true,
      schema: { type: 'string' },
    });
  });

  it('asks for a bearer token unless the route is public, and names the roles', () => {
    expect(addPart.security).toEqual([{ bearerAuth: [] }]);
    expect(addPart.description).toContain('admin');
    // Public says so explicitly (an empty list), as Redocly's security-defined rule asks.
    expect(document.paths['/api/v1/things']!.get!.security).toEqual([]);
  });

  it('offers Idempotency-Key on POST and query parameters on GET', () => {
    expect(addPart.parameters).toContainEqual(
      expect.objectContaining({ name: 'Idempotency-Key', in: 'header' }),
    );
    expect(document.paths['/api/v1/things']!.get!.parameters).toContainEqual(
      expect.objectContaining({ name: 'page', in: 'query' }),
    );
  });

  it('keeps a recursive body schema as components that refer to each other, not to the document root', () => {
    const refs = refsOf(document);
    expect(refs).not.toContain('#');
    for (const ref of refs) expect(resolve$ref(document, ref), ref).toBeDefined();
    expect(JSON.stringify(addPart.requestBody)).toContain('#/components/schemas/postThingsThingIdPartsBody');
  });

  it('declares the success status and the schema of its body', () => {
    const created = addPart.responses as Record<string, { content?: Record<string, { schema: unknown }> }>;
    expect(Object.keys(created)).toContain('201');
    expect(JSON.stringify(created['201']!.content!['application/json']!.schema)).toContain('part_id');
  });

  it("answers errors with API.md's error body", () => {
    const schema = JSON.stringify(document.components.schemas.ErrorBody);
    for (const field of ['code', 'message', 'details', 'request_id', 'timestamp'])
      expect(schema).toContain(field);
  });
});
