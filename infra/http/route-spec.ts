import type { Request, RequestHandler, Response, Router } from 'express';
import type { z } from 'zod';
import type { Role } from '../../domain/identity/roles.ts';
import type { DocumentedResponse } from '../openapi/openapi-document.ts';
import { parseInput } from './validation.ts';

/**
 * Who may call a route: anyone, any signed-in user, only these roles, or a customer or a guest (a cart
 * route: signed in as a customer when Authorization is sent, else a guest with X-Cart-Token).
 */
export type Access = 'public' | 'authenticated' | 'customer-or-guest' | readonly Role[];

export type Reply = {
  status: number;
  body?: unknown;
  /** The body already serialized as JSON (a cached read model kept as its text), sent as is. */
  json?: string;
  headers?: Record<string, string>;
};

type Schema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export type RouteInput<B, P, Q, H = undefined> = {
  body: Out<B>;
  params: Out<P>;
  query: Out<Q>;
  headers: Out<H>;
  req: Request;
  res: Response;
};

/**
 * One route, declared: path, who may call it, the zod schemas of its input and of its answer, and the
 * handler, which returns its reply (errors it throws go to the one error handler). Both APIs declare
 * their routes this way; each adds its own fields (command-api/routing.ts, query-api/routing.ts) and
 * the OpenAPI documents are generated from these very specs.
 */
export type RouteSpec<
  B extends Schema | undefined,
  P extends Schema | undefined,
  Q extends Schema | undefined,
  H extends z.ZodObject | undefined = undefined,
> = {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express 5 path below /api/v1, e.g. `/products/:product_id/price`. */
  path: string;
  access: Access;
  body?: B;
  params?: P;
  query?: Q;
  /** Request headers the route reads, by their canonical names (e.g. `X-Consistency-Token`). */
  headers?: H;
  /** The success answer: its status and the zod schema of what the handler's body really is (OpenAPI). */
  response: DocumentedResponse;
  summary?: string;
  handle: (input: RouteInput<B, P, Q, H>) => Promise<Reply>;
};

// biome-ignore lint/suspicious/noExplicitAny: a list of routes with different input types
export type AnySpec = RouteSpec<any, any, any, any>;

type Validated = { body: unknown; params: unknown; query: unknown; headers: unknown };

/** The validated input of the request (set by `validateInput`), for middleware that runs after it. */
export const validatedInput = (res: Response) => res.locals.input as Validated | undefined;

/** Zod validation of params, query, headers and body, before anything else touches them (400 VAL_2001). */
export function validateInput(spec: AnySpec): RequestHandler {
  const headerNames = spec.headers ? Object.keys((spec.headers as z.ZodObject).shape) : [];
  return (req, res, next) => {
    const input: Validated = {
      params: spec.params ? parseInput(spec.params, req.params, 'params') : undefined,
      query: spec.query ? parseInput(spec.query, req.query, 'query') : undefined,
      headers: spec.headers
        ? parseInput(
            spec.headers,
            Object.fromEntries(headerNames.map((name) => [name, req.get(name)])),
            'headers',
          )
        : undefined,
      body: spec.body ? parseInput(spec.body, req.body, 'body') : undefined,
    };
    res.locals.input = input;
    next();
  };
}

/** Runs the handler on the validated input and sends its reply. */
export function sendReply(spec: AnySpec): RequestHandler {
  return async (req, res) => {
    const input = res.locals.input as Validated;
    const reply = await spec.handle({ ...input, req, res } as RouteInput<never, never, never, never>);
    for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
    if (reply.json !== undefined) res.status(reply.status).type('application/json').send(reply.json);
    else if (reply.body === undefined) res.status(reply.status).end();
    else res.status(reply.status).json(reply.body);
  };
}

/**
 * Runs handlers one after another as Express would (each calls `next` to go on; an error, thrown,
 * rejected or passed to `next`, leaves for the error handler), as one handler: one router layer a route
 * instead of one per step (each cost CPU on every request).
 */
export function inSequence(handlers: readonly RequestHandler[]): RequestHandler {
  if (handlers.length === 1) return handlers[0]!;
  return (req, res, next) => {
    let index = 0;
    const step = (error?: unknown): void => {
      const handler = handlers[index++];
      if ((error !== undefined && error !== null) || !handler) {
        next(error ?? undefined);
        return;
      }
      try {
        const result: unknown = handler(req, res, step);
        if (result instanceof Promise)
          result.then(undefined, (rejection) => next(rejection ?? new Error('Rejected promise')));
      } catch (thrown) {
        next(thrown);
      }
    };
    step();
  };
}

/**
 * Mounts a spec on a router: `before` (access checks, limits), zod validation, `after` (what needs the
 * validated input, e.g. Idempotency-Key), then the handler, as one handler (inSequence).
 */
export function serveRoute(
  router: Router,
  spec: AnySpec,
  chain: { before: readonly RequestHandler[]; after?: readonly RequestHandler[] },
): void {
  router[spec.method](
    spec.path,
    inSequence([...chain.before, validateInput(spec), ...(chain.after ?? []), sendReply(spec)]),
  );
}
