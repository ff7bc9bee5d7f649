import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisUrl, testKeyPrefix } from '../../test/support/isolation.ts';
import { createRedis, deleteKeysWithPrefix } from '../redis/client.ts';
import { resolveJwtKeys } from './jwt-keys.ts';
import { createSessions } from './sessions.ts';
import { createTokenService } from './tokens.ts';

describe('sessions (refresh rotation, reuse detection, revocation)', () => {
  let redis: Redis;
  const clock = () => new Date();
  const tokens = createTokenService({
    keys: resolveJwtKeys({ NODE_ENV: 'test', JWT_SECRET: 'x'.repeat(40) }),
    clock,
  });
  beforeAll(() => {
    redis = createRedis({ url: redisUrl, keyPrefix: testKeyPrefix('sessions') });
  });
  afterAll(async () => {
    await deleteKeysWithPrefix(redis);
    redis.disconnect();
  });
  const sessions = () => createSessions({ redis, clock, refreshTtlSeconds: 604800 });

  it('rotates the live token once; the spent one is reuse and revokes every family of the user', async () => {
    const s = sessions();
    const login1 = tokens.issuePair({ userId: 'usr_a', role: 'customer' });
    const login2 = tokens.issuePair({ userId: 'usr_a', role: 'customer' });
    const other = tokens.issuePair({ userId: 'usr_b', role: 'customer' });
    await s.start(login1.refresh);
    await s.start(login2.refresh);
    await s.start(other.refresh);
    const next = tokens.issuePair({ userId: 'usr_a', role: 'customer', family: login1.refresh.fam });
    expect(await s.rotate(login1.refresh, next.refresh)).toBe('rotated');
    expect(await s.isAccessRevoked(next.access)).toBe(false);

    const thief = tokens.issuePair({ userId: 'usr_a', role: 'customer', family: login1.refresh.fam });
    expect(await s.rotate(login1.refresh, thief.refresh)).toBe('reused');
    // Both of the user's families are dead, refresh and access alike; the other user is untouched.
    expect(await s.rotate(next.refresh, thief.refresh)).toBe('revoked');
    expect(await s.isAccessRevoked(next.access)).toBe(true);
    expect(await s.isAccessRevoked(login2.access)).toBe(true);
    expect(await s.isAccessRevoked(other.access)).toBe(false);
    const otherNext = tokens.issuePair({ userId: 'usr_b', role: 'customer', family: other.refresh.fam });
    expect(await s.rotate(other.refresh, otherNext.refresh)).toBe('rotated');
  });

  it('logout revokes the access jti and the family, with a TTL of the remaining lifetime', async () => {
    const s = sessions();
    const pair = tokens.issuePair({ userId: 'usr_c', role: 'customer' });
    await s.start(pair.refresh);
    await s.revokeSession(pair.access);
    expect(await s.isAccessRevoked(pair.access)).toBe(true);
    const next = tokens.issuePair({ userId: 'usr_c', role: 'customer', family: pair.refresh.fam });
    expect(await s.rotate(pair.refresh, next.refresh)).toBe('revoked');
    const accessTtl = await redis.pttl(`auth:jtirev:${pair.access.jti}`);
    expect(accessTtl).toBeGreaterThan(14 * 60_000);
    expect(accessTtl).toBeLessThanOrEqual(15 * 60_000);
    const familyTtl = await redis.pttl(`auth:famrev:${pair.refresh.fam}`);
    expect(familyTtl).toBeGreaterThan(6.9 * 86_400_000);
    expect(familyTtl).toBeLessThanOrEqual(7 * 86_400_000);
  });

  it('refuses a token of a family it never saw', async () => {
    const pair = tokens.issuePair({ userId: 'usr_d', role: 'customer' });
    const next = tokens.issuePair({ userId: 'usr_d', role: 'customer', family: pair.refresh.fam });
    expect(await sessions().rotate(pair.refresh, next.refresh)).toBe('revoked');
  });
});
