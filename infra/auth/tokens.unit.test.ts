import { createHmac, generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { DomainError, ErrorCode } from '../../domain/shared/errors.ts';
import { type JwtKeys, resolveJwtKeys } from './jwt-keys.ts';
import { createTokenService } from './tokens.ts';

const secret = 'a-test-secret-that-is-long-enough-0123456789';
const base = new Date('2026-01-15T10:00:00Z');
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function codeOf(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return 'accepted';
}

const service = (keys: JwtKeys, now = base) => createTokenService({ keys, clock: () => now });
/** A service whose clock the test moves. */
const movable = (keys: JwtKeys) => {
  let now = base;
  const tokens = createTokenService({ keys, clock: () => now });
  return { tokens, at: (minutes: number) => (now = new Date(base.getTime() + minutes * 60_000)) };
};
const hsKeys = resolveJwtKeys({ NODE_ENV: 'test', JWT_SECRET: secret });
const rsa = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const rsKeys = resolveJwtKeys({
  NODE_ENV: 'test',
  JWT_PRIVATE_KEY: rsa.privateKey,
  JWT_PUBLIC_KEY: rsa.publicKey,
});

describe('token service', () => {
  it('issues an access/refresh pair that verifies, with jti, family, iss and aud', () => {
    const tokens = service(hsKeys);
    const pair = tokens.issuePair({ userId: 'usr_1', role: 'customer' });
    const access = tokens.verifyAccess(pair.accessToken);
    const refresh = tokens.verifyRefresh(pair.refreshToken);
    expect(access).toMatchObject({ sub: 'usr_1', role: 'customer', typ: 'access', exp: access.iat + 900 });
    expect(refresh).toMatchObject({
      sub: 'usr_1',
      typ: 'refresh',
      fam: access.fam,
      exp: refresh.iat + 604800,
    });
    expect(access.jti).not.toBe(refresh.jti);
    expect(jwt.decode(pair.accessToken)).toMatchObject({
      iss: 'eventsourced-shop',
      aud: 'eventsourced-shop-api',
    });
    expect(pair.expiresIn).toBe(900);
  });

  it('keeps the family on rotation', () => {
    const tokens = service(hsKeys);
    const first = tokens.issuePair({ userId: 'usr_1', role: 'customer' });
    const next = tokens.issuePair({ userId: 'usr_1', role: 'customer', family: first.refresh.fam });
    expect(next.refresh.fam).toBe(first.refresh.fam);
  });

  it('answers AUTH_1002 for an expired token and AUTH_1003 once it is also tampered', () => {
    const pair = service(hsKeys).issuePair({ userId: 'usr_1', role: 'customer' });
    const later = service(hsKeys, new Date(base.getTime() + 16 * 60_000));
    expect(codeOf(() => later.verifyAccess(pair.accessToken))).toBe(ErrorCode.TokenExpired);
    expect(codeOf(() => later.verifyRefresh(pair.refreshToken))).toBe('accepted');
    const [h, , s] = pair.accessToken.split('.');
    const forged = `${h}.${b64({ ...(jwt.decode(pair.accessToken) as object), role: 'admin' })}.${s}`;
    expect(codeOf(() => later.verifyAccess(forged))).toBe(ErrorCode.TokenInvalid);
  });

  it('refuses a token it verified before once it expires, to the second', () => {
    const { tokens, at } = movable(hsKeys);
    const pair = tokens.issuePair({ userId: 'usr_1', role: 'customer' });
    expect(codeOf(() => tokens.verifyAccess(pair.accessToken))).toBe('accepted');
    at(14);
    expect(codeOf(() => tokens.verifyAccess(pair.accessToken))).toBe('accepted');
    at(15); // exp = iat + 900 s: expired at exactly exp, as jsonwebtoken has it
    expect(codeOf(() => tokens.verifyAccess(pair.accessToken))).toBe(ErrorCode.TokenExpired);
    expect(codeOf(() => tokens.verifyAccess(pair.accessToken))).toBe(ErrorCode.TokenExpired);
  });

  it('a verified token vouches for nothing but its own string', () => {
    const tokens = service(hsKeys);
    const pair = tokens.issuePair({ userId: 'usr_1', role: 'customer' });
    const claims = tokens.verifyAccess(pair.accessToken);
    const [h, p, s] = pair.accessToken.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const tampered = `${h}.${b64({ ...payload, role: 'admin' })}.${s}`;
    expect(codeOf(() => tokens.verifyAccess(tampered))).toBe(ErrorCode.TokenInvalid);
    expect(codeOf(() => tokens.verifyAccess(`${pair.accessToken}x`))).toBe(ErrorCode.TokenInvalid);
    // The claims handed out cannot be changed for the next caller of the same token.
    expect(() => Object.assign(claims, { role: 'admin' })).toThrow(TypeError);
    expect(tokens.verifyAccess(pair.accessToken).role).toBe('customer');
  });

  it('a refused token stays refused when it comes again', () => {
    const tokens = service(hsKeys);
    const pair = tokens.issuePair({ userId: 'usr_1', role: 'customer' });
    const [h, p, s] = pair.accessToken.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const bad = [
      `${h}.${b64({ ...payload, role: 'admin' })}.${s}`,
      `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...payload, role: 'admin' })}.`,
      pair.refreshToken,
    ];
    for (const token of bad) {
      expect(codeOf(() => tokens.verifyAccess(token))).toBe(ErrorCode.TokenInvalid);
      expect(codeOf(() => tokens.verifyAccess(token))).toBe(ErrorCode.TokenInvalid);
    }
  });

  it('what one service verified, a service with another key still refuses', () => {
    const mine = service(hsKeys);
    const theirs = service(resolveJwtKeys({ NODE_ENV: 'test', JWT_SECRET: `${secret}-other` }));
    const pair = mine.issuePair({ userId: 'usr_1', role: 'customer' });
    expect(codeOf(() => mine.verifyAccess(pair.accessToken))).toBe('accepted');
    expect(codeOf(() => theirs.verifyAccess(pair.accessToken))).toBe(ErrorCode.TokenInvalid);
  });

  it('refuses alg none', () => {
    const tokens = service(hsKeys);
    const claims = tokens.verifyAccess(tokens.issuePair({ userId: 'usr_1', role: 'customer' }).accessToken);
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, role: 'admin', iss: 'eventsourced-shop', aud: 'eventsourced-shop-api' })}.`;
    expect(codeOf(() => tokens.verifyAccess(none))).toBe(ErrorCode.TokenInvalid);
  });

  it('refuses a tampered payload', () => {
    const tokens = service(hsKeys);
    const pair = tokens.issuePair({ userId: 'usr_1', role: 'customer' });
    const [h, p, s] = pair.accessToken.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const tampered = `${h}.${b64({ ...payload, role: 'admin' })}.${s}`;
    expect(codeOf(() => tokens.verifyAccess(tampered))).toBe(ErrorCode.TokenInvalid);
  });

  it('refuses a token signed with another secret, or with the wrong issuer or audience', () => {
    const tokens = service(hsKeys);
    const now = Math.floor(base.getTime() / 1000);
    const claims = {
      sub: 'usr_1',
      jti: 'j',
      fam: 'f',
      iat: now,
      exp: now + 60,
      typ: 'access',
      role: 'admin',
    };
    const sign = (extra: object, key = secret) =>
      jwt.sign({ ...claims, ...extra }, key, { algorithm: 'HS256' });
    expect(
      codeOf(() => tokens.verifyAccess(sign({ iss: 'eventsourced-shop', aud: 'eventsourced-shop-api' }))),
    ).toBe('accepted');
    expect(
      codeOf(() =>
        tokens.verifyAccess(sign({ iss: 'eventsourced-shop', aud: 'eventsourced-shop-api' }, `${secret}x`)),
      ),
    ).toBe(ErrorCode.TokenInvalid);
    expect(codeOf(() => tokens.verifyAccess(sign({ iss: 'evil', aud: 'eventsourced-shop-api' })))).toBe(
      ErrorCode.TokenInvalid,
    );
    expect(codeOf(() => tokens.verifyAccess(sign({ iss: 'eventsourced-shop', aud: 'other' })))).toBe(
      ErrorCode.TokenInvalid,
    );
  });

  it('refuses a refresh token used as an access token and the other way round', () => {
    const tokens = service(hsKeys);
    const pair = tokens.issuePair({ userId: 'usr_1', role: 'customer' });
    expect(codeOf(() => tokens.verifyAccess(pair.refreshToken))).toBe(ErrorCode.TokenInvalid);
    expect(codeOf(() => tokens.verifyRefresh(pair.accessToken))).toBe(ErrorCode.TokenInvalid);
    expect(codeOf(() => tokens.verifyAccess('not.a.jwt'))).toBe(ErrorCode.TokenInvalid);
  });

  it('with RS256 pinned, refuses an HS256 token signed with the public key', () => {
    expect(rsKeys.algorithm).toBe('RS256');
    const tokens = service(rsKeys);
    const good = tokens.issuePair({ userId: 'usr_1', role: 'customer' }).accessToken;
    expect(codeOf(() => tokens.verifyAccess(good))).toBe('accepted');
    const payload = { ...(jwt.decode(good) as object), role: 'admin' };
    const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`;
    const signature = createHmac('sha256', rsa.publicKey).update(unsigned).digest('base64url');
    expect(codeOf(() => tokens.verifyAccess(`${unsigned}.${signature}`))).toBe(ErrorCode.TokenInvalid);
  });

  it('picks ES256 for a P-256 key pair and refuses mismatched or weak configuration', () => {
    const ec = generateKeyPairSync('ec', {
      namedCurve: 'P-256',
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    const keys = resolveJwtKeys({
      NODE_ENV: 'test',
      JWT_PRIVATE_KEY: ec.privateKey,
      JWT_PUBLIC_KEY: ec.publicKey,
    });
    expect(keys.algorithm).toBe('ES256');
    const tokens = service(keys);
    expect(
      codeOf(() => tokens.verifyAccess(tokens.issuePair({ userId: 'u', role: 'admin' }).accessToken)),
    ).toBe('accepted');
    expect(() =>
      resolveJwtKeys({ NODE_ENV: 'test', JWT_PRIVATE_KEY: ec.privateKey, JWT_PUBLIC_KEY: rsa.publicKey }),
    ).toThrow();
    expect(() => resolveJwtKeys({ NODE_ENV: 'test', JWT_SECRET: 'short' })).toThrow(/32/);
    expect(() => resolveJwtKeys({ NODE_ENV: 'production' })).toThrow(/required/);
    expect(resolveJwtKeys({ NODE_ENV: 'development' }).algorithm).toBe('HS256');
  });
});
