import { type RequestHandler, Router } from 'express';
import { z } from 'zod';
import { type RouteSpec, serveRoute } from '../infra/http/route-spec.ts';
import { consistency } from './consistency.ts';
import type { RouteContext } from './route-context.ts';

type Schema = z.ZodType;

/**
 * A query API route: the shared RouteSpec (infra/http/route-spec.ts), plus the read models it reads
 * (a request with X-Consistency-Token waits for each of them) and checks to run right after sign-in.
 * Mounting adds, in this order: admission (sign-in and the rate limit, one Redis round trip:
 * admission.ts), `afterSignIn`, the role check, the read-your-writes wait, zod validation of
 * params/query/headers, then the handler.
 */
export type QueryRouteSpec<
  P extends Schema | undefined,
  Q extends Schema | undefined,
  H extends z.ZodObject | undefined = undefined,
> = RouteSpec<undefined, P, Q, H> & {
  method: 'get';
  /** Read models the answer comes from: X-Consistency-Token waits for each (API.md "Read-your-writes"). */
  reads?: readonly string[];
  /** Runs after sign-in and before the role check (e.g. the audit access recorder, or optional sign-in). */
  afterSignIn?: readonly RequestHandler[];
};

// biome-ignore lint/suspicious/noExplicitAny: a list of routes with different input types
export type AnyQueryRoute = QueryRouteSpec<any, any, any>;

/** A route module of the query API: its routes, a function of the shared context, mounted under /api/v1. */
export type QueryRouteModule = (context: RouteContext) => AnyQueryRoute[];

/** The header every route that reads a read model accepts (API.md "Read-your-writes"). */
export const consistencyHeaders = z.object({
  'X-Consistency-Token': z
    .string()
    .optional()
    .meta({
      param: {
        id: 'ConsistencyToken',
        description:
          "The X-Consistency-Token of a command's answer: the query answers once its read models have caught up, else 503 with Retry-After.",
      },
    }),
});

/** Declares a route with its input types inferred from its schemas; one that `reads` accepts X-Consistency-Token. */
export const route = <
  P extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  H extends z.ZodObject | undefined = undefined,
>(
  spec: QueryRouteSpec<P, Q, H>,
): AnyQueryRoute =>
  (spec.reads?.length
    ? { ...spec, headers: spec.headers ? consistencyHeaders.extend(spec.headers.shape) : consistencyHeaders }
    : spec) as AnyQueryRoute;

/** The guest's owner id a customer-or-guest route was called with; undefined when signed in. */
export const guestOf = (res: { locals: Record<string, unknown> }) => res.locals.guestId as string | undefined;

export function mountQueryRoutes(context: RouteContext, modules: readonly QueryRouteModule[]): Router {
  const router = Router();
  for (const spec of modules.flatMap((module) => module(context))) {
    const before = context.admission(spec.access, spec.afterSignIn);
    if (spec.reads?.length) before.push(consistency(context.watcher, spec.reads, context.consistencyWaitMs));
    serveRoute(router, spec, { before });
  }
  return router;
}
