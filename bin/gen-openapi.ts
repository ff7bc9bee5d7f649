/**
 * Writes docs/openapi/command-api.json and query-api.json from the routes' zod schemas
 * (`npm run docs:openapi`). infra/openapi/openapi.unit.test.ts fails when they are stale.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { defaultRouteModules } from '../command-api/app.ts';
import {
  commandApiDocument,
  documentFiles,
  documentText,
  queryApiDocument,
} from '../infra/openapi/api-documents.ts';
import { routeSpecsOf } from '../infra/openapi/route-specs.ts';
import { queryApiRoutes } from '../query-api/openapi-routes.ts';

const root = resolve(import.meta.dirname, '..');
const write = (file: string, document: Record<string, unknown>) => {
  const path = resolve(root, file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, documentText(document));
  process.stdout.write(`wrote ${file}\n`);
};

write(documentFiles.command, commandApiDocument(routeSpecsOf(defaultRouteModules)));
write(documentFiles.query, queryApiDocument(queryApiRoutes));
