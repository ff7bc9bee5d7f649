import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { DomainError, ErrorCode } from '../domain/shared/errors.ts';
import { type Authenticator, tokenRevoked } from '../infra/auth/authenticator.ts';
import { accessRevocationKeys } from '../infra/auth/sessions.ts';
import { requireRole } from '../infra/http/auth.ts';
import { CART_TOKEN_HEADER, cartTokenFrom, guestIdFor } from '../infra/http/cart-token.ts';
import { type RateLimit, rateLimited } from '../infra/http/rate-limit.ts';
import {
  type AdmissionAsk,
  type AdmissionOutcome,
  admitInRedis,
  asksRedis,
} from '../infra/http/redis-admission.ts';
import type { Access } from '../infra/http/route-spec.ts';

/** The middlewares that admit a request to a route of this access, `afterSignIn` in their place. */
export type QueryAdmission = (access: Access, afterSignIn?: readonly RequestHandler[]) => RequestHandler[];

/**
 * The query API's admission: the access token's revocation and the per-IP limit in one Redis round
 * trip (infra/http/redis-admission.ts, the script the command API admits with), where they were two
 * (the authenticator's MGET, then the limiter's script). In the command API's order: a malformed or
 * revoked token is 401 before the limit counts it, then 429. A signed-in route's role is checked
 * after `afterSignIn` (the audit access recorder records refused callers too), a customer-or-guest
 * route's (a customer when Authorization is sent, else a guest by X-Cart-Token) at once.
 */
export function createQueryAdmission(deps: {
  redis: Redis;
  authenticator: Authenticator;
  limit: RateLimit;
}): QueryAdmission {
  const { redis, authenticator, limit } = deps;
  const admit =
    (access: Access): RequestHandler =>
    async (req, res, next) => {
      let revocationKeys: string[] = [];
      const guestToken =
        access === 'customer-or-guest' && req.get('authorization') === undefined
          ? cartTokenFrom(req.get(CART_TOKEN_HEADER)) // a malformed cart token is 401 here
          : undefined;
      if (guestToken !== undefined) res.locals.guestId = guestIdFor(guestToken);
      else if (access !== 'public') {
        req.auth = authenticator.verify(req.get('authorization')); // neither header: 401 AUTH_1003
        req.log = req.log.child({ user_id: req.auth.userId });
        revocationKeys = accessRevocationKeys(req.auth.claims);
      }
      const ask: AdmissionAsk = {
        revocationKeys,
        ...(limit.perMinute > 0
          ? { general: { key: `${limit.name}:${limit.key(req)}`, points: limit.perMinute } }
          : {}),
      };
      let outcome: AdmissionOutcome = ['ok', -1];
      if (asksRedis(ask)) {
        try {
          outcome = await admitInRedis(redis, ask);
        } catch (error) {
          // The revocation check cannot be skipped; a limit alone is let through (logged).
          if (revocationKeys.length > 0) throw error;
          req.log.warn({ err: error, limit: limit.name }, 'rate limiter unavailable; not limiting');
        }
      }
      if (outcome[0] === 'revoked') throw tokenRevoked();
      if (outcome[0] === 'limited') throw rateLimited(outcome[1]);
      if (outcome[0] === 'ok' && outcome[1] >= 0) res.setHeader('RateLimit-Remaining', String(outcome[1]));
      if (access === 'customer-or-guest' && req.auth && req.auth.role !== 'customer')
        throw new DomainError(ErrorCode.Forbidden, 'Requires role customer');
      next();
    };
  return (access, afterSignIn = []) => [
    admit(access),
    ...afterSignIn,
    ...(Array.isArray(access) ? [requireRole(...access)] : []),
  ];
}
