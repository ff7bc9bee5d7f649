import { z } from 'zod';
import {
  createDocument,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponsesObject,
} from 'zod-openapi';

/** A route's success answer: its status and, unless it has no body (202/204), the body's zod schema. */
export type DocumentedResponse = {
  status: 200 | 201 | 202 | 204;
  /** What the presenter sends; give shared shapes `.meta({ id })` so they become one named component. */
  schema?: z.ZodType | undefined;
  description?: string | undefined;
};

/**
 * What a documented route declares; the command API's `RouteSpec` (command-api/routing.ts) has this
 * shape, so the document is made from the very schemas the routes validate and answer with.
 */
export type DocumentedRoute = {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express path below the base path, e.g. `/products/:product_id/price`. */
  path: string;
  access: 'public' | 'authenticated' | 'customer-or-guest' | readonly string[];
  body?: z.ZodType | undefined;
  params?: z.ZodType | undefined;
  query?: z.ZodType | undefined;
  /** Request headers the route reads, keyed by their canonical names. */
  headers?: z.ZodObject | undefined;
  response?: DocumentedResponse | undefined;
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
export const operationIdOf = (method: string, path: string) =>
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
  in: 'header' as const,
  required: false,
  description: 'A retry with the same key replays the first answer instead of acting twice.',
  schema: { type: 'string' as const, maxLength: 255 },
};

const cartToken = {
  name: 'X-Cart-Token',
  in: 'header' as const,
  required: false,
  description:
    "A guest's cart token, from the X-Cart-Token header of an earlier answer (ignored when signed in).",
  schema: { type: 'string' as const, pattern: '^gct_[A-Za-z0-9_-]{43}$' },
};

const statusText: Record<DocumentedResponse['status'], string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No content',
};

function responsesOf(route: DocumentedRoute): ZodOpenApiResponsesObject {
  const { status = 200, schema, description } = route.response ?? {};
  const success = schema
    ? { description: description ?? statusText[status], content: { 'application/json': { schema } } }
    : { description: description ?? statusText[status] };
  return {
    [String(status) as '200']: success,
    '400': { $ref: '#/components/responses/Error' },
    default: { $ref: '#/components/responses/Error' },
  };
}

function operationOf(route: DocumentedRoute, bodies: Map<z.ZodType, z.ZodType>): ZodOpenApiOperationObject {
  const id = operationIdOf(route.method, route.path);
  const names = [...route.path.matchAll(pathParam)].map((match) => match[1]!);
  // A path parameter the route does not validate still has to be described.
  const path =
    route.params ??
    (names.length > 0 ? z.object(Object.fromEntries(names.map((name) => [name, z.string()]))) : undefined);
  // A named clone of the body schema, so the request body is a component named after its first route.
  const body = route.body && (bodies.get(route.body) ?? route.body.meta({ id: `${id}Body` }));
  if (route.body && body) bodies.set(route.body, body);
  return {
    operationId: id,
    summary: route.summary ?? `${route.method.toUpperCase()} ${route.path}`,
    description: accessText(route.access),
    tags: [tagOf(route.path)],
    // `[]` says "no credentials" explicitly, which linters (Redocly's security-defined) ask for.
    security:
      route.access === 'public'
        ? []
        : route.access === 'customer-or-guest'
          ? [{ bearerAuth: [] }, {}]
          : [{ bearerAuth: [] }],
    ...(path || route.query || route.headers
      ? {
          requestParams: {
            ...(path ? { path: path as z.ZodObject } : {}),
            ...(route.query ? { query: route.query as z.ZodObject } : {}),
            ...(route.headers ? { header: route.headers } : {}),
          },
        }
      : {}),
    ...(route.method === 'post' || route.access === 'customer-or-guest'
      ? {
          parameters: [
            ...(route.method === 'post' ? [idempotencyKey] : []),
            ...(route.access === 'customer-or-guest' ? [cartToken] : []),
          ],
        }
      : {}),
    ...(body ? { requestBody: { required: true, content: { 'application/json': { schema: body } } } } : {}),
    responses: responsesOf(route),
  };
}

/** An OpenAPI 3.1 document for a list of declared routes (zod-openapi), sorted so regeneration is stable. */
export function openApiFor(routes: readonly DocumentedRoute[], info: DocumentInfo): Record<string, unknown> {
  const basePath = info.basePath ?? '/api/v1';
  const bodies = new Map<z.ZodType, z.ZodType>();
  const paths: ZodOpenApiPathsObject = {};
  const sorted = [...routes].sort((a, b) =>
    a.path === b.path ? a.method.localeCompare(b.method) : a.path.localeCompare(b.path),
  );
  for (const route of sorted) {
    const path = `${basePath}${openApiPath(route.path)}`;
    paths[path] ??= {};
    paths[path][route.method] = operationOf(route, bodies);
  }
  const document = createDocument(
    {
      openapi: '3.1.0',
      info: {
        title: info.title,
        version: info.version,
        ...(info.description ? { description: info.description } : {}),
      },
      servers: [{ url: '/' }],
      paths,
      components: {
        schemas: { ErrorBody: errorBodySchema },
        responses: {
          Error: {
            description: 'Error (API.md codes).',
            content: { 'application/json': { schema: errorBodySchema } },
          },
        },
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
    { allowEmptySchema: { custom: true } },
  ) as unknown as { components: { schemas: Record<string, unknown> } } & Record<string, unknown>;
  const schemas = document.components.schemas;
  document.components.schemas = Object.fromEntries(
    Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b)),
  );
  return document;
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
