import type { DocumentedRoute } from './openapi-document.ts';
import { openApiFor } from './openapi-document.ts';

const version = '1.0.0';

/** The command API's document, from its route specs (routeSpecsOf(defaultRouteModules)). */
export const commandApiDocument = (routes: readonly DocumentedRoute[]) =>
  openApiFor(routes, {
    title: 'Shop command API',
    version,
    description:
      'Commands: identity, catalog and stock administration, cart, checkout and orders. Generated from the zod schemas the routes validate with; errors follow API.md.',
  });

/** The query API's document. */
export const queryApiDocument = (routes: readonly DocumentedRoute[]) =>
  openApiFor(routes, {
    title: 'Shop query API',
    version,
    description:
      'Read models: catalog, stock, carts, orders, audit. Generated from the zod schemas the routes validate with; errors follow API.md.',
  });

/** Where the generated documents are checked in. */
export const documentFiles = {
  command: 'docs/openapi/command-api.json',
  query: 'docs/openapi/query-api.json',
} as const;

/** The checked-in text of a document: stable key order, two-space indent, trailing newline. */
export const documentText = (document: Record<string, unknown>) => `${JSON.stringify(document, null, 2)}\n`;
