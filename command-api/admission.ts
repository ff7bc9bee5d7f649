import type { Request, RequestHandler, Response } from 'express';
import type { Redis } from 'ioredis';
import type { Role } from '../domain/identity/roles.ts';
import { DomainError, ErrorCode } from '../domain/shared/errors.ts';
import { tokenRevoked, verifyBearer } from '../infra/auth/authenticator.ts';
import { accessRevocationKeys } from '../infra/auth/sessions.ts';
import type { TokenService } from '../infra/auth/tokens.ts';
import { CART_TOKEN_HEADER, cartTokenFrom } from '../infra/http/cart-token.ts';
import { HttpError } from '../infra/http/http-error.ts';
import type { RateLimit } from '../infra/http/rate-limit.ts';
import type { IdempotencyClaim, idempotencyKeys } from './idempotency.ts';

/**
 * Everything a command request asks of Redis before its handler runs, in one round trip: whether its
 * access token was revoked, the general rate limit, the route's own limit (auth, checkout) and the
 * Idempotency-Key claim. Each check used to be its own middleware and its own round trip (3–4 a POST).
 * The outcome is the one the separate middlewares gave, in their order: 401 malformed or revoked token,
 * 403 role, 429 general limit, 400 invalid input, 429 route limit, then the key (replay, 422, 409 or
 * run). A forbidden request counts against no limit and an invalid one against the general limit only,
 * as before; the script stops at the first refusal. The limits are fixed one-minute windows kept as
 * rate-limiter-flexible keeps them (`rl:<name>:<key>`, SET NX EX + INCR), which the query API still
 * uses: its library has no way to join another command's round trip.
 */
const admitScript = `
local n = tonumber(ARGV[1])
for i = 1, n do
  if redis.call('EXISTS', KEYS[i]) == 1 then return {'revoked'} end
end
if ARGV[2] ~= '1' then return {'forbidden'} end
local window = tonumber(ARGV[6])
local function consume(key, points)
  redis.call('SET', key, 0, 'EX', window, 'NX')
  local used = redis.call('INCR', key)
  local ttl = redis.call('PTTL', key)
  if ttl == -1 then
    redis.call('EXPIRE', key, window)
    ttl = window * 1000
  end
  if used > points then return -1, ttl end
  return points - used, ttl
end
local remaining = -1
local points = tonumber(ARGV[3])
if points > 0 then
  local left, ttl = consume(KEYS[n + 1], points)
  if left < 0 then return {'limited', ttl} end
  remaining = left
end
if ARGV[4] ~= '1' then return {'invalid', remaining} end
points = tonumber(ARGV[5])
if points > 0 then
  local left, ttl = consume(KEYS[n + 2], points)
  if left < 0 then return {'limited', ttl} end
  remaining = left
end
if ARGV[7] ~= '' then
  if redis.call('SET', KEYS[n + 3], ARGV[7], 'PX', ARGV[8], 'NX') then return {'ok', remaining} end
  return {'ok', remaining, redis.call('GET', KEYS[n + 3])}
end
return {'ok', remaining}
`;

const WINDOW_SECONDS = 60;

type Outcome =
  | ['revoked']
  | ['forbidden']
  | ['limited', number]
  | ['invalid', number]
  | ['ok', number, (string | null)?];

type AdmitRedis = Redis & { shopAdmit(...args: (string | number)[]): Promise<Outcome> };

function withAdmitScript(redis: Redis): AdmitRedis {
  const scripted = redis as AdmitRedis;
  if (typeof scripted.shopAdmit !== 'function') redis.defineCommand('shopAdmit', { lua: admitScript });
  return scripted;
}

export type AdmissionSpec = {
  /** 'public' checks no token; 'customer-or-guest' checks one only when Authorization is sent. */
  access: 'public' | 'authenticated' | 'customer-or-guest' | readonly Role[];
  general: RateLimit;
  limit?: RateLimit;
  /** Validates params, query and body (the route's zod schemas); throws its 400. */
  validate: (req: Request, res: Response) => void;
  idempotency?: ReturnType<typeof idempotencyKeys>;
};

const limited = (ms: number) =>
  new HttpError(ErrorCode.RateLimited, 'Rate limit exceeded', {
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(ms / 1000))) },
  });

/** The admission of one route: token, role, limits, validation and Idempotency-Key, one Redis round trip. */
export function admission(deps: { redis: Redis; tokens: TokenService }, spec: AdmissionSpec): RequestHandler {
  const redis = withAdmitScript(deps.redis);
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

    let outcome: Outcome;
    try {
      outcome = await redis.shopAdmit(
        revocation.length + 3,
        ...revocation,
        `${spec.general.name}:${general > 0 ? spec.general.key(req) : '-'}`,
        `${spec.limit?.name ?? 'rl:none'}:${own > 0 && spec.limit && !invalid ? spec.limit.key(req) : '-'}`,
        claim?.redisKey ?? 'idem:-',
        revocation.length,
        forbidden ? 0 : 1,
        general,
        invalid ? 0 : 1,
        own,
        WINDOW_SECONDS,
        claim?.pending ?? '',
        spec.idempotency?.lockMs ?? 0,
      );
    } catch (error) {
      // A revocation check or a key claim cannot be skipped; rate limits alone are let through (logged).
      if (revocation.length > 0 || claim) throw error;
      req.log.warn({ err: (error as Error).message }, 'rate limiter unavailable; not limiting');
      outcome = ['ok', -1];
    }
    switch (outcome[0]) {
      case 'revoked':
        throw tokenRevoked();
      case 'forbidden':
        throw forbidden;
      case 'limited':
        throw limited(outcome[1]);
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
