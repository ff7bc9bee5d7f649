import { isDeepStrictEqual } from 'node:util';
import type { Middleware } from 'openapi-fetch';
import { z } from 'zod';
import {
  type DocumentedResponse,
  type DocumentedRoute,
  errorBodySchema,
  openApiPath,
} from '../../infra/openapi/openapi-document.ts';

const texts = new WeakMap<Response, string>();

/** The body exactly as the server sent it (openapi-fetch has parsed and consumed it by then). */
export const sentText = (response: Response) => texts.get(response);

/** Keys of `sent` that `kept` (the schema's parse, which strips undeclared keys) lost, as JSON paths. */
function undeclared(sent: unknown, kept: unknown, at = '$'): string[] {
  if (Array.isArray(sent) && Array.isArray(kept))
    return sent.flatMap((item, i) => undeclared(item, kept[i], `${at}[${i}]`));
  if (sent && kept && typeof sent === 'object' && typeof kept === 'object')
    return Object.entries(sent).flatMap(([key, value]) =>
      key in kept
        ? undeclared(value, (kept as Record<string, unknown>)[key], `${at}.${key}`)
        : [`${at}.${key}`],
    );
  return [];
}

/** Why `body` is not exactly what `schema` declares (a failed parse, or fields it does not declare), or null. */
export function mismatch(schema: z.ZodType, body: unknown): string | null {
  const parsed = schema.safeParse(body);
  if (!parsed.success) return z.prettifyError(parsed.error);
  if (isDeepStrictEqual(parsed.data, body)) return null;
  const extra = undeclared(body, parsed.data);
  return extra.length > 0 ? `undeclared fields: ${extra.join(', ')}` : 'the parse changed the body';
}

/**
 * openapi-fetch middleware that holds every answer to what its route declares: a success has the
 * declared status and exactly the declared body (the zod schema the OpenAPI document was generated
 * from), an error has API.md's error body. A drift between the code and the document throws, so the
 * test that made the call fails.
 */
export function responseCheck(routes: readonly DocumentedRoute[], basePath = '/api/v1'): Middleware {
  const declared = new Map<string, DocumentedResponse | undefined>(
    routes.map((route) => [
      `${route.method.toUpperCase()} ${basePath}${openApiPath(route.path)}`,
      route.response,
    ]),
  );
  return {
    async onResponse({ request, response, schemaPath }) {
      const operation = `${request.method} ${schemaPath}`;
      if (!declared.has(operation)) throw new Error(`${operation} is not a declared route`);
      const text = await response.clone().text();
      texts.set(response, text);
      const body: unknown = text === '' ? undefined : JSON.parse(text);
      if (!response.ok) {
        const problem = mismatch(errorBodySchema, body);
        if (problem) throw new Error(`${operation} ${response.status}: not API.md's error body: ${problem}`);
        return;
      }
      const { status = 200, schema } = declared.get(operation) ?? {};
      if (response.status !== status)
        throw new Error(`${operation} answered ${response.status}, its route declares ${status}`);
      if (!schema) {
        if (body !== undefined) throw new Error(`${operation} ${status}: a body its route does not declare`);
        return;
      }
      const problem = mismatch(schema, body);
      if (problem)
        throw new Error(`${operation} ${status}: the body differs from its declared schema: ${problem}`);
    },
  };
}
