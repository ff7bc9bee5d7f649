import type { Request, RequestHandler, Response } from 'express';
import type { Redis } from 'ioredis';
import type { Role } from '../domain/identity/roles.ts';
import { DomainError, ErrorCode } from '../domain/shared/errors.ts';
import { tokenRevoked, verifyBearer } from '../infra/auth/authenticator.ts';
import { accessRevocationKeys } from '../infra/auth/sessions.ts';
import type { TokenService } from '../infra/auth/tokens.ts';
import { CART_TOKEN_HEADER, cartTokenFrom } from '../infra/http/cart-token.ts';
import { type RateLimit, rateLimited } from '../infra/http/rate-limit.ts';
import { type AdmissionOutcome, admitInRedis } from '../infra/http/redis-admission.ts';
import type { IdempotencyClaim, idempotencyKeys } from './idempotency.ts';

/**
 * Everything a command request asks of Redis before its handler runs, in one round trip
 * (infra/http/redis-admission.ts): whether its access token was revoked, the general rate limit, the
 * route's own limit (auth, checkout) and the Idempotency-Key claim. Each check used to be its own
 * middleware and its own round trip (3–4 a POST). The outcome is the one the separate middlewares gave,
 * in their order: 401 malformed or revoked token, 403 role, 429 general limit, 400 invalid input, 429
 * route limit, then the key (replay, 422, 409 or run).
 */
export type AdmissionSpec = {
  /** 'public' checks no token; 'customer-or-guest' checks one only when Authorization is sent. */
  access: 'public' | 'authenticated' | 'customer-or-guest' | readonly Role[];
  general: RateLimit;
  limit?: RateLimit;
  /** Validates params, query and body (the route's zod schemas); throws its 400. */
  validate: (req: Request, res: Response) => void;
  idempotency?: ReturnType<typeof idempotencyKeys>;
};

/** The admission of one route: token, role, limits, validation and Idempotency-Key, one Redis round trip. */
export function admission(deps: { redis: Redis; tokens: TokenService }, spec: AdmissionSpec): RequestHandler {
  const roles: readonly Role[] | undefined =
    spec.access === 'customer-or-guest' ? ['customer'] : Array.isArray(spec.access) ? spec.access : undefined;
  return async (req, res, next) => {
    // Without Redis: the token's signature and claims, the cart token's form, the role, the input.
    let revocation: string[] = [];
    if (spec.access === 'customer-or-guest' && req.get('authorization') === undefined) {
      cartTokenFrom(req.get(CART_TOKEN_HEADER)); // a malformed cart token is 401 before anything else
    } else if (spec.access !== 'public') {
      req.auth = verifyBearer(deps.tokens, req.get('authorization'));
      req.log = req.log.child({ user_id: req.auth.userId });
      revocation = accessRevocationKeys(req.auth.claims);
    }
    const forbidden =
      req.auth && roles && !roles.includes(req.auth.role)
        ? new DomainError(ErrorCode.Forbidden, `Requires role ${roles.join(' or ')}`)
        : undefined;
    let invalid: unknown;
    let claim: IdempotencyClaim | undefined;
    try {
      spec.validate(req, res);
      claim = spec.idempotency?.claimOf(req);
    } catch (error) {
      invalid = error;
    }
    const general = spec.general.perMinute;
    const own = spec.limit?.perMinute ?? 0;
    if (revocation.length === 0 && general <= 0 && own <= 0 && !claim) {
      if (forbidden) throw forbidden;
      if (invalid) throw invalid;
      return next();
    }

    let outcome: AdmissionOutcome;
    try {
      outcome = await admitInRedis(deps.redis, {
        revocationKeys: revocation,
        forbidden: forbidden !== undefined,
        general: {
          key: `${spec.general.name}:${general > 0 ? spec.general.key(req) : '-'}`,
          points: general,
        },
        invalid: invalid !== undefined,
        ...(own > 0 && spec.limit && !invalid
          ? { own: { key: `${spec.limit.name}:${spec.limit.key(req)}`, points: own } }
          : {}),
        ...(claim && spec.idempotency
          ? { claim: { key: claim.redisKey, pending: claim.pending, lockMs: spec.idempotency.lockMs } }
          : {}),
      });
    } catch (error) {
      // A revocation check or a key claim cannot be skipped; rate limits alone are let through (logged).
      if (revocation.length > 0 || claim) throw error;
      req.log.warn({ err: error }, 'rate limiter unavailable; not limiting');
      outcome = ['ok', -1];
    }
    switch (outcome[0]) {
      case 'revoked':
        throw tokenRevoked();
      case 'forbidden':
        throw forbidden;
      case 'limited':
        throw rateLimited(outcome[1]);
      case 'invalid':
        if (outcome[1] >= 0) res.setHeader('RateLimit-Remaining', String(outcome[1]));
        throw invalid;
    }
    if (forbidden) throw forbidden; // the script was skipped (Redis down, limits only)
    if (invalid) throw invalid;
    const [, remaining, stored] = outcome;
    if (remaining >= 0) res.setHeader('RateLimit-Remaining', String(remaining));
    if (!claim || !spec.idempotency) return next();
    await spec.idempotency.proceed(req, res, next, claim, stored ?? null);
  };
}
