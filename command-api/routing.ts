import { type RequestHandler, Router } from 'express';
import type { z } from 'zod';
import { normaliseEmail } from '../domain/identity/email.ts';
import type { ErrorCode } from '../domain/shared/errors.ts';
import { clientIp, type RateLimit } from '../infra/http/rate-limit.ts';
import {
  inSequence,
  type RouteSpec as SharedRouteSpec,
  sendReply,
  validatedInput,
  validateInput,
} from '../infra/http/route-spec.ts';
import { personalDataOf } from '../infra/privacy/personal-data.ts';
import { admission } from './admission.ts';
import type { CommandApiContext } from './context.ts';
import { idempotencyKeys } from './idempotency.ts';

export type { Access, Reply, RouteInput } from '../infra/http/route-spec.ts';

type Schema = z.ZodType;

/**
 * A command API route: the shared RouteSpec (infra/http/route-spec.ts) plus an extra rate limit and
 * Idempotency-Key options. Mounting adds, in this order: authentication and role check, the general rate
 * limit, zod validation of params/query/headers/body (before anything else touches them), the extra limit,
 * Idempotency-Key handling (every POST), then the handler; all but the handler are one middleware
 * (admission.ts) that asks Redis everything in one round trip. The handler returns its reply; errors
 * it throws go to the one error handler.
 */
export type RouteSpec<
  B extends Schema | undefined,
  P extends Schema | undefined,
  Q extends Schema | undefined,
  H extends z.ZodObject | undefined = undefined,
> = SharedRouteSpec<B, P, Q, H> & {
  /** A stricter limit on top of the general one: `auth` (per IP and email) or `checkout` (per user). */
  limit?: 'auth' | 'checkout';
  /**
   * `false` keeps a POST outside Idempotency-Key handling: the key is accepted and ignored, nothing is
   * stored or replayed. For routes whose response is a credential or whose check must run every time
   * (login, refresh, logout): a replay would hand out live tokens and skip refresh-token reuse detection.
   */
  idempotent?: false;
  /** The answer to a same-key duplicate while the first request runs, where API.md names one. */
  whileKeyInProgress?: { code: ErrorCode; message: string };
};

// biome-ignore lint/suspicious/noExplicitAny: a list of routes with different input types
export type AnyRoute = RouteSpec<any, any, any, any>;

/** Declares a route with its input types inferred from its schemas. */
export const route = <
  B extends Schema | undefined = undefined,
  P extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  H extends z.ZodObject | undefined = undefined,
>(
  spec: RouteSpec<B, P, Q, H>,
): AnyRoute => spec as AnyRoute;

/** A bounded context's routes: a function of the shared context, mounted under /api/v1. */
export type RouteModule = (context: CommandApiContext) => AnyRoute[];

export function mountRoutes(context: CommandApiContext, modules: readonly RouteModule[]): Router {
  const router = Router();
  const { redis, config, store } = context;
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
        const { body } = (req.res ? validatedInput(req.res) : undefined) ?? {};
        const email = (body as { email?: unknown } | undefined)?.email;
        // The address's keyed hash, as in stream names: a Redis key (and the span of the command that
        // sends it) never holds the address itself.
        const who = typeof email === 'string' ? personalDataOf(store).emailLookup(normaliseEmail(email)) : '';
        return `${clientIp(req)}|${who}`;
      },
    },
    checkout: {
      name: 'rl:checkout',
      perMinute: config.RATE_LIMIT_CHECKOUT_PER_MIN,
      key: (req) => req.auth?.userId ?? `ip:${clientIp(req)}`,
    },
  };
  const fingerprint = (text: string) => personalDataOf(store).fingerprint('idempotency', text);
  const idempotent = idempotencyKeys({ redis, clock: context.clock, fingerprint });

  for (const spec of modules.flatMap((module) => module(context))) {
    const chain: RequestHandler[] = [];
    const validate = validateInput(spec);
    // Token, role, limits, input and Idempotency-Key: admission.ts, one Redis round trip.
    chain.push(
      admission(
        { redis, tokens: context.tokens },
        {
          access: spec.access,
          general,
          ...(spec.limit ? { limit: limits[spec.limit] } : {}),
          validate: (req, res) => validate(req, res, () => {}),
          ...(spec.method === 'post' && spec.idempotent !== false
            ? {
                idempotency: spec.whileKeyInProgress
                  ? idempotencyKeys({
                      redis,
                      clock: context.clock,
                      fingerprint,
                      inProgress: spec.whileKeyInProgress,
                    })
                  : idempotent,
              }
            : {}),
        },
      ),
    );
    chain.push(sendReply(spec));
    router[spec.method](spec.path, inSequence(chain));
  }
  return router;
}
