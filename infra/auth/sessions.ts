import type { Redis } from 'ioredis';
import { execAll } from '../redis/client.ts';
import { redisScript, runScript } from '../redis/script.ts';
import type { AccessClaims, RefreshClaims } from './tokens.ts';

/**
 * Refresh-token families and revocations in Redis. A family is every refresh token descending from
 * one login; Redis holds the jti of its one live token. Rotating moves the family to the new jti;
 * presenting any older jti of the family is reuse (the token was stolen or replayed) and revokes all
 * of that user's families, which also stops their access tokens. Every key expires when what it
 * guards would have expired anyway.
 */
export type Sessions = {
  /** Records a new family (at login). */
  start(refresh: RefreshClaims): Promise<void>;
  rotate(previous: RefreshClaims, next: RefreshClaims): Promise<'rotated' | 'reused' | 'revoked'>;
  /** Logout: the access token's jti and its whole family stop working at once. */
  revokeSession(access: AccessClaims): Promise<void>;
  revokeAllForUser(userId: string): Promise<void>;
  isAccessRevoked(access: AccessClaims): Promise<boolean>;
};

const keys = {
  family: (fam: string) => `auth:fam:${fam}`,
  familyRevoked: (fam: string) => `auth:famrev:${fam}`,
  userFamilies: (userId: string) => `auth:ufam:${userId}`,
  accessRevoked: (jti: string) => `auth:jtirev:${jti}`,
};

/** The keys whose presence revokes an access token (its jti, its family); any one set means revoked. */
export const accessRevocationKeys = (access: AccessClaims): [string, string] => [
  keys.accessRevoked(access.jti),
  keys.familyRevoked(access.fam),
];

// Atomic compare-and-rotate: only the family's live jti may be exchanged, and only once.
const rotateScript = redisScript(`
if redis.call('EXISTS', KEYS[2]) == 1 then return 'revoked' end
local live = redis.call('GET', KEYS[1])
if not live then return 'revoked' end
if live ~= ARGV[1] then return 'reused' end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 'rotated'
`);

export function createSessions(options: {
  redis: Redis;
  clock: () => Date;
  refreshTtlSeconds: number;
}): Sessions {
  const { redis, clock } = options;
  const maxFamilyMs = options.refreshTtlSeconds * 1000;
  const remainingMs = (expSeconds: number) => expSeconds * 1000 - clock().getTime();

  async function revokeFamily(fam: string, userId: string) {
    // The family lives as long as its live refresh token; revoke for that long (or the maximum).
    const left = await redis.pttl(keys.family(fam));
    const ttl = left > 0 ? left : maxFamilyMs;
    await execAll(
      redis
        .multi()
        .set(keys.familyRevoked(fam), userId, 'PX', ttl)
        .del(keys.family(fam))
        .srem(keys.userFamilies(userId), fam),
    );
  }

  return {
    async start(refresh) {
      const ttl = remainingMs(refresh.exp);
      if (ttl <= 0) return;
      await execAll(
        redis
          .multi()
          .set(keys.family(refresh.fam), refresh.jti, 'PX', ttl)
          .sadd(keys.userFamilies(refresh.sub), refresh.fam)
          .pexpire(keys.userFamilies(refresh.sub), maxFamilyMs),
      );
    },
    async rotate(previous, next) {
      const ttl = Math.max(1, remainingMs(next.exp));
      const outcome = (await runScript(
        redis,
        rotateScript,
        [keys.family(previous.fam), keys.familyRevoked(previous.fam)],
        [previous.jti, next.jti, String(ttl)],
      )) as 'rotated' | 'reused' | 'revoked';
      if (outcome === 'rotated') await redis.pexpire(keys.userFamilies(next.sub), maxFamilyMs);
      if (outcome === 'reused') await this.revokeAllForUser(previous.sub);
      return outcome;
    },
    async revokeSession(access) {
      const ttl = remainingMs(access.exp);
      if (ttl > 0) await redis.set(keys.accessRevoked(access.jti), access.sub, 'PX', ttl);
      await revokeFamily(access.fam, access.sub);
    },
    async revokeAllForUser(userId) {
      const families = await redis.smembers(keys.userFamilies(userId));
      for (const fam of families) await revokeFamily(fam, userId);
    },
    async isAccessRevoked(access) {
      const [jti, fam] = await redis.mget(...accessRevocationKeys(access));
      return jti !== null || fam !== null;
    },
  };
}
