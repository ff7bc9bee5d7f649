import type { Redis } from 'ioredis';
import { redisScript, runScript } from '../redis/script.ts';

/**
 * Everything a request asks of Redis before its handler runs, in one round trip (one Lua script by
 * EVALSHA): whether its access token was revoked, the general rate limit, a route's own limit and an
 * Idempotency-Key claim. Both APIs admit through this one script (command-api/admission.ts,
 * query-api/admission.ts, and rateLimit in rate-limit.ts for a limit alone). It stops at the first
 * refusal, in this order: revoked token, forbidden role, general limit, invalid input, the route's
 * limit, then the claim. A forbidden request counts against no limit and an invalid one against the
 * general limit only. The limits are fixed windows (a minute, or the window a limit names) kept as
 * rate-limiter-flexible, the library used before, kept them (`rl:<name>:<key>`, SET NX EX + INCR), so a
 * deployment that upgrades keeps its counts. The verification resend's hourly limit goes through it too
 * (command-api/routes/account-lifecycle.ts): one rate-limit mechanism.
 */
const admitScript = redisScript(`
local n = tonumber(ARGV[1])
for i = 1, n do
  if redis.call('EXISTS', KEYS[i]) == 1 then return {'revoked'} end
end
if ARGV[2] ~= '1' then return {'forbidden'} end
local function consume(key, points, window)
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
  local left, ttl = consume(KEYS[n + 1], points, tonumber(ARGV[6]))
  if left < 0 then return {'limited', ttl} end
  remaining = left
end
if ARGV[4] ~= '1' then return {'invalid', remaining} end
points = tonumber(ARGV[5])
if points > 0 then
  local left, ttl = consume(KEYS[n + 2], points, tonumber(ARGV[9]))
  if left < 0 then return {'limited', ttl} end
  remaining = left
end
if ARGV[7] ~= '' then
  if redis.call('SET', KEYS[n + 3], ARGV[7], 'PX', ARGV[8], 'NX') then return {'ok', remaining} end
  return {'ok', remaining, redis.call('GET', KEYS[n + 3])}
end
return {'ok', remaining}
`);

/** The window of a limit, in seconds, unless it names its own (the verification resend's hour). */
export const LIMIT_WINDOW_SECONDS = 60;

/**
 * What the script answered: the first refusal, or `ok` with the requests left under the limits
 * (-1 when none applied) and, for a claim already taken, what the key holds.
 */
export type AdmissionOutcome =
  | ['revoked']
  | ['forbidden']
  | ['limited', number]
  | ['invalid', number]
  | ['ok', number, (string | null)?];

/**
 * A limit to consume: its full Redis key (`rl:<name>:<who>`) and its points a window (a minute unless
 * `windowSeconds` says otherwise); 0 points turns it off.
 */
export type LimitUse = { key: string; points: number; windowSeconds?: number };

export type AdmissionAsk = {
  /** Keys whose existence means the token is revoked (accessRevocationKeys); none for no token. */
  revocationKeys?: readonly string[];
  /** The caller's role is refused: answers `forbidden` after the revocation check. */
  forbidden?: boolean;
  general?: LimitUse;
  /** The input failed validation: answers `invalid` after the general limit. */
  invalid?: boolean;
  own?: LimitUse;
  /** SET NX of the Idempotency-Key's pending marker, for lockMs. */
  claim?: { key: string; pending: string; lockMs: number };
};

/** True when the ask needs Redis at all (a public request with limits off does not). */
export const asksRedis = (ask: AdmissionAsk) =>
  (ask.revocationKeys?.length ?? 0) > 0 ||
  (ask.general?.points ?? 0) > 0 ||
  (ask.own?.points ?? 0) > 0 ||
  ask.claim !== undefined;

/** Runs the admission script: one round trip. Redis errors are the caller's to handle. */
export function admitInRedis(redis: Redis, ask: AdmissionAsk): Promise<AdmissionOutcome> {
  const revocation = ask.revocationKeys ?? [];
  const general = ask.general && ask.general.points > 0 ? ask.general : undefined;
  const own = ask.own && ask.own.points > 0 && !ask.invalid ? ask.own : undefined;
  const keys = [
    ...revocation,
    general?.key ?? 'rl:none:-',
    own?.key ?? 'rl:none:-',
    ask.claim?.key ?? 'idem:-',
  ];
  return runScript(redis, admitScript, keys, [
    revocation.length,
    ask.forbidden ? 0 : 1,
    general?.points ?? 0,
    ask.invalid ? 0 : 1,
    own?.points ?? 0,
    general?.windowSeconds ?? LIMIT_WINDOW_SECONDS,
    ask.claim?.pending ?? '',
    ask.claim?.lockMs ?? 0,
    own?.windowSeconds ?? LIMIT_WINDOW_SECONDS,
  ]) as Promise<AdmissionOutcome>;
}
