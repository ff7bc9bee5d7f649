import { z } from 'zod';
import { asComponent, type Components, jsonSchemaOf, parametersOf } from './json-schema.ts';

/**
 * What a documented route declares; the command API's `RouteSpec` (command-api/routing.ts) has this
 * shape, so the document is made from the very schemas the routes validate with.
 */
export type DocumentedRoute = {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express path below the base path, e.g. `/products/:product_id/price`. */
  path: string;
  access: 'public' | 'authenticated' | 'customer-or-guest' | readonly string[];
  body?: z.ZodType | undefined;
  params?: z.ZodType | undefined;
  query?: z.ZodType | undefined;
  summary?: string | undefined;
};

export type DocumentInfo = { title: string; version: string; description?: string; basePath?: string };

/** API.md's error body: the one shape every 4xx/5xx answer has. */
export const errorBodySchema = z.object({
  error: z.object({
    code: z.string().describe('API.md error code, e.g. VAL_2001, BIZ_4001'),
    message: z.string(),
    details: z.array(z.looseObject({ field: z.string().optional(), message: z.string() })),
    request_id: z.string(),
    timestamp: z.string().describe('ISO 8601, seconds precision'),
  }),
});

const pathParam = /:([A-Za-z0-9_]+)/g;

/** `/products/:product_id` → `/products/{product_id}` */
export const openApiPath = (expressPath: string) => expressPath.replace(pathParam, '{$1}');

const tagOf = (path: string) => path.split('/').filter(Boolean)[0] ?? 'root';

/** `post /products/:product_id/price` → `postProductsProductIdPrice` */
const operationId = (method: string, path: string) =>
  method +
  path
    .split(/[/:_-]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');

const accessText = (access: DocumentedRoute['access']) =>
  access === 'public'
    ? 'Anyone may call this.'
    : access === 'customer-or-guest'
      ? 'A customer (Bearer access token), or a guest: the first answer carries X-Cart-Token, send it back.'
      : access === 'authenticated'
        ? 'Any signed-in user (Bearer access token).'
        : `Roles: ${access.join(', ')} (Bearer access token).`;

const idempotencyKey = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: 'A retry with the same key replays the first answer instead of acting twice.',
  schema: { type: 'string', maxLength: 255 },
};

const cartToken = {
  name: 'X-Cart-Token',
  in: 'header',
  required: false,
  description:
    "A guest's cart token, from the X-Cart-Token header of an earlier answer (ignored when signed in).",
  schema: { type: 'string', pattern: '^gct_[A-Za-z0-9_-]{43}$' },
};

/** An OpenAPI 3.1 document for a list of declared routes, sorted so regeneration is stable. */
export function openApiFor(routes: readonly DocumentedRoute[], info: DocumentInfo): Record<string, unknown> {
  const basePath = info.basePath ?? '/api/v1';
  const components: Components = {};
  const errorRef = asComponent(jsonSchemaOf(errorBodySchema), 'ErrorBody', components);
  const paths: Record<string, Record<string, unknown>> = {};
  const sorted = [...routes].sort((a, b) =>
    a.path === b.path ? a.method.localeCompare(b.method) : a.path.localeCompare(b.path),
  );
  for (const route of sorted) {
    const id = operationId(route.method, route.path);
    const names = [...route.path.matchAll(pathParam)].map((match) => match[1]!);
    // A path parameter the route does not validate still has to be described.
    const params =
      route.params ??
      (names.length > 0 ? z.object(Object.fromEntries(names.map((name) => [name, z.string()]))) : undefined);
    const parameters = [
      ...(params ? parametersOf(jsonSchemaOf(params), 'path') : []),
      ...(route.query ? parametersOf(jsonSchemaOf(route.query), 'query') : []),
      ...(route.method === 'post' ? [idempotencyKey] : []),
      ...(route.access === 'customer-or-guest' ? [cartToken] : []),
    ];
    const path = `${basePath}${openApiPath(route.path)}`;
    paths[path] ??= {};
    paths[path][route.method] = {
      operationId: id,
      summary: route.summary ?? `${route.method.toUpperCase()} ${route.path}`,
      description: accessText(route.access),
      tags: [tagOf(route.path)],
      ...(route.access === 'public'
        ? {}
        : route.access === 'customer-or-guest'
          ? { security: [{ bearerAuth: [] }, {}] }
          : { security: [{ bearerAuth: [] }] }),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(route.body
        ? {
            requestBody: {
              required: true,
              content: {
                'application/json': {
                  schema: asComponent(jsonSchemaOf(route.body), `${id}Body`, components),
                },
              },
            },
          }
        : {}),
      responses: {
        '2XX': { description: 'Success; the body is described in API.md.' },
        default: {
          description: 'Error (API.md codes).',
          content: { 'application/json': { schema: errorRef } },
        },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: info.title,
      version: info.version,
      ...(info.description ? { description: info.description } : {}),
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(components).sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
  };
}

/** `METHOD /path` of every operation in a document, for comparisons with what an app serves. */
export function documentedOperations(document: Record<string, unknown>): string[] {
  const paths = (document.paths ?? {}) as Record<string, Record<string, unknown>>;
  return Object.entries(paths)
    .flatMap(([path, item]) =>
      Object.keys(item)
        .filter((key) => ['get', 'post', 'put', 'patch', 'delete'].includes(key))
        .map((method) => `${method.toUpperCase()} ${path}`),
    )
    .sort();
}
