/**
 * Writes docs/openapi/command-api.json and query-api.json from the routes' zod schemas, and the e2e
 * client's types generated from them (`npm run docs:openapi`). infra/openapi/openapi.unit.test.ts and
 * test/api-client/client-types.unit.test.ts fail when they are stale.
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
import { queryRouteModules } from '../query-api/app.ts';
import { clientTypeFiles, clientTypesText } from '../test/api-client/client-types.ts';

const root = resolve(import.meta.dirname, '..');
const write = (file: string, text: string) => {
  const path = resolve(root, file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  process.stdout.write(`wrote ${file}\n`);
};

const command = commandApiDocument(routeSpecsOf(defaultRouteModules));
const query = queryApiDocument(routeSpecsOf(queryRouteModules));
write(documentFiles.command, documentText(command));
write(documentFiles.query, documentText(query));
write(clientTypeFiles.command, await clientTypesText(command, documentFiles.command));
write(clientTypeFiles.query, await clientTypesText(query, documentFiles.query));
