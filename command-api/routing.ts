import { type Request, type RequestHandler, type Response, Router } from 'express';
import type { z } from 'zod';
import { normaliseEmail } from '../domain/identity/email.ts';
import type { Role } from '../domain/identity/roles.ts';
import type { ErrorCode } from '../domain/shared/errors.ts';
import { clientIp, type RateLimit } from '../infra/http/rate-limit.ts';
import { parseInput } from '../infra/http/validation.ts';
import type { DocumentedResponse } from '../infra/openapi/openapi-document.ts';
import { admission } from './admission.ts';
import type { CommandApiContext } from './context.ts';
import { idempotencyKeys } from './idempotency.ts';

/**
 * Who may call a route: anyone, any signed-in user, only these roles, or a customer or a guest (a cart
 * route: signed in as a customer when Authorization is sent, else a guest with X-Cart-Token or none).
 */
export type Access = 'public' | 'authenticated' | 'customer-or-guest' | readonly Role[];

export type Reply = { status: number; body?: unknown; headers?: Record<string, string> };

type Schema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export type RouteInput<B, P, Q> = {
  body: Out<B>;
  params: Out<P>;
  query: Out<Q>;
  req: Request;
  res: Response;
};

/**
 * One route, declared: path, who may call it, the zod schemas of its input and answer, an extra rate limit,
 * and the handler. Mounting adds, in this order: authentication and role check, the general rate
 * limit, zod validation of params/query/body (before anything else touches them), the extra limit,
 * Idempotency-Key handling (every POST), then the handler; all but the handler are one middleware
 * (admission.ts) that asks Redis everything in one round trip. The handler returns its reply; errors
 * it throws go to the one error handler.
 */
export type RouteSpec<
  B extends Schema | undefined,
  P extends Schema | undefined,
  Q extends Schema | undefined,
> = {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express 5 path below /api/v1, e.g. `/products/:product_id/price`. */
  path: string;
  access: Access;
  body?: B;
  params?: P;
  query?: Q;
  /** The success answer: its status and the zod schema of what the handler's body really is (OpenAPI). */
  response: DocumentedResponse;
  /** A stricter limit on top of the general one: `auth` (per IP and email) or `checkout` (per user). */
  limit?: 'auth' | 'checkout';
  summary?: string;
  /**
   * `false` keeps a POST outside Idempotency-Key handling: the key is accepted and ignored, nothing is
   * stored or replayed. For routes whose response is a credential or whose check must run every time
   * (login, refresh, logout): a replay would hand out live tokens and skip refresh-token reuse detection.
   */
  idempotent?: false;
  /** The answer to a same-key duplicate while the first request runs, where API.md names one. */
  whileKeyInProgress?: { code: ErrorCode; message: string };
  handle: (input: RouteInput<B, P, Q>) => Promise<Reply>;
};

// biome-ignore lint/suspicious/noExplicitAny: a list of routes with different input types
export type AnyRoute = RouteSpec<any, any, any>;

/** Declares a route with its input types inferred from its schemas. */
export const route = <
  B extends Schema | undefined = undefined,
  P extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
>(
  spec: RouteSpec<B, P, Q>,
): AnyRoute => spec as AnyRoute;

/** A bounded context's routes: a function of the shared context, mounted under /api/v1. */
export type RouteModule = (context: CommandApiContext) => AnyRoute[];

type Validated = { body: unknown; params: unknown; query: unknown };

export function mountRoutes(context: CommandApiContext, modules: readonly RouteModule[]): Router {
  const router = Router();
  const { redis, config } = context;
  const general: RateLimit = {
    name: 'rl:general',
    perMinute: config.RATE_LIMIT_GENERAL_PER_MIN,
    key: (req) => req.auth?.userId ?? `ip:${clientIp(req)}`,
  };
  const limits: Record<'auth' | 'checkout', RateLimit> = {
    auth: {
      name: 'rl:auth',
      perMinute: config.RATE_LIMIT_AUTH_PER_MIN,
      key: (req) => {
        const { body } = (req.res?.locals.input ?? {}) as Partial<Validated>;
        const email = (body as { email?: unknown } | undefined)?.email;
        return `${clientIp(req)}|${typeof email === 'string' ? normaliseEmail(email) : ''}`;
      },
    },
    checkout: {
      name: 'rl:checkout',
      perMinute: config.RATE_LIMIT_CHECKOUT_PER_MIN,
      key: (req) => req.auth?.userId ?? `ip:${clientIp(req)}`,
    },
  };
  const idempotent = idempotencyKeys({ redis, clock: context.clock });

  for (const spec of modules.flatMap((module) => module(context))) {
    const chain: RequestHandler[] = [];
    // Token, role, limits, input and Idempotency-Key: admission.ts, one Redis round trip.
    chain.push(
      admission(
        { redis, tokens: context.tokens },
        {
          access: spec.access,
          general,
          ...(spec.limit ? { limit: limits[spec.limit] } : {}),
          validate: (req, res) => {
            const input: Validated = {
              params: spec.params ? parseInput(spec.params, req.params, 'params') : undefined,
              query: spec.query ? parseInput(spec.query, req.query, 'query') : undefined,
              body: spec.body ? parseInput(spec.body, req.body, 'body') : undefined,
            };
            res.locals.input = input;
          },
          ...(spec.method === 'post' && spec.idempotent !== false
            ? {
                idempotency: spec.whileKeyInProgress
                  ? idempotencyKeys({ redis, clock: context.clock, inProgress: spec.whileKeyInProgress })
                  : idempotent,
              }
            : {}),
        },
      ),
    );
    chain.push(async (req, res) => {
      const input = res.locals.input as Validated;
      const reply = await spec.handle({ ...input, req, res } as RouteInput<never, never, never>);
      for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
      if (reply.body === undefined) res.status(reply.status).end();
      else res.status(reply.status).json(reply.body);
    });
    router[spec.method](spec.path, ...chain);
  }
  return router;
}
