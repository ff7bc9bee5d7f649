import { createPrivateKey, createPublicKey, createSecretKey, type KeyObject, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { DomainError, ErrorCode } from '../../domain/shared/errors.ts';
import type { JwtKeys } from './jwt-keys.ts';

export const ACCESS_TTL_SECONDS = 15 * 60;
export const REFRESH_TTL_SECONDS = 7 * 24 * 60 * 60;
export const DEFAULT_ISSUER = 'eventsourced-shop';
export const DEFAULT_AUDIENCE = 'eventsourced-shop-api';

const common = {
  sub: z.string().min(1),
  jti: z.string().min(1),
  /** The refresh family: every token descending from one login. */
  fam: z.string().min(1),
  iat: z.number().int(),
  exp: z.number().int(),
};
const accessClaimsSchema = z.object({
  ...common,
  typ: z.literal('access'),
  role: z.enum(['customer', 'admin', 'auditor']),
});
const refreshClaimsSchema = z.object({ ...common, typ: z.literal('refresh') });

export type AccessClaims = z.infer<typeof accessClaimsSchema>;
export type RefreshClaims = z.infer<typeof refreshClaimsSchema>;

export type TokenPair = {
  accessToken: string;
  refreshToken: string;
  access: AccessClaims;
  refresh: RefreshClaims;
  /** Seconds until the access token expires. */
  expiresIn: number;
};

export type TokenService = {
  /** A new pair; `family` continues a rotated family, otherwise a new one starts (a login). */
  issuePair(input: { userId: string; role: AccessClaims['role']; family?: string }): TokenPair;
  /** Throws AUTH_1002 when expired, AUTH_1003 for anything else wrong. */
  verifyAccess(token: string): AccessClaims;
  verifyRefresh(token: string): RefreshClaims;
  readonly algorithm: JwtKeys['algorithm'];
};

export type TokenServiceOptions = {
  keys: JwtKeys;
  clock: () => Date;
  issuer?: string;
  audience?: string;
  accessTtlSeconds?: number;
  refreshTtlSeconds?: number;
  /** Access tokens remembered as verified, a positive integer (least recently used dropped first). Default 10,000. */
  verifiedAccessTokens?: number;
};

const keyObject = (
  algorithm: JwtKeys['algorithm'],
  key: string,
  use: 'signing' | 'verification',
): KeyObject => {
  if (algorithm === 'HS256') return createSecretKey(Buffer.from(key, 'utf8'));
  return use === 'signing' ? createPrivateKey(key) : createPublicKey(key);
};

const invalidToken = () => new DomainError(ErrorCode.TokenInvalid, 'Invalid token');
const tokenExpired = () => new DomainError(ErrorCode.TokenExpired, 'Token expired');

/** JWTs with the one configured algorithm pinned on verify, iss/aud checked and a jti on every token. */
export function createTokenService(options: TokenServiceOptions): TokenService {
  const { keys, clock } = options;
  const issuer = options.issuer ?? DEFAULT_ISSUER;
  const audience = options.audience ?? DEFAULT_AUDIENCE;
  const accessTtl = options.accessTtlSeconds ?? ACCESS_TTL_SECONDS;
  const refreshTtl = options.refreshTtlSeconds ?? REFRESH_TTL_SECONDS;
  const seconds = () => Math.floor(clock().getTime() / 1000);
  // Key objects built once: given a string, jsonwebtoken re-parses it (and tries it as a PEM) on every call.
  const signingKey = keyObject(keys.algorithm, keys.signingKey, 'signing');
  const verificationKey = keyObject(keys.algorithm, keys.verificationKey, 'verification');

  const sign = (claims: AccessClaims | RefreshClaims) =>
    // iat and exp come from our clock, inside the claims (jsonwebtoken keeps a given iat).
    jwt.sign({ ...claims, iss: issuer, aud: audience }, signingKey, { algorithm: keys.algorithm });

  function verify<T>(token: string, schema: z.ZodType<T>): T {
    let payload: unknown;
    try {
      payload = jwt.verify(token, verificationKey, {
        algorithms: [keys.algorithm],
        issuer,
        audience,
        clockTimestamp: seconds(),
      });
    } catch (error) {
      // Expiry is checked only after the signature, so a forged token never reads as "expired".
      if (error instanceof jwt.TokenExpiredError) throw tokenExpired();
      throw invalidToken();
    }
    const parsed = schema.safeParse(payload);
    if (!parsed.success) throw invalidToken();
    return parsed.data;
  }

  // An access token comes with every request. A token string this service has verified verifies the same
  // way again (same key, issuer and audience), so its signature and claims are not checked again; its
  // expiry is, on every use, against the clock, as jsonwebtoken checks it (expired once now >= exp). The
  // only other time-based claim jsonwebtoken checks, nbf, is not checked again: this service never issues
  // one, so only a holder of the signing key could make such a token. Only tokens that verified are kept,
  // per service (so per key). Revocation is not this service's: the APIs check it on every request.
  const verified = new LRUCache<string, AccessClaims>({ max: options.verifiedAccessTokens ?? 10_000 });
  const verifyAccess = (token: string): AccessClaims => {
    const known = verified.get(token);
    if (!known) {
      const claims = Object.freeze(verify(token, accessClaimsSchema));
      verified.set(token, claims);
      return claims;
    }
    if (seconds() >= known.exp) {
      verified.delete(token);
      throw tokenExpired();
    }
    return known;
  };

  return {
    algorithm: keys.algorithm,
    issuePair({ userId, role, family }) {
      const iat = seconds();
      const fam = family ?? randomUUID();
      const access: AccessClaims = {
        sub: userId,
        jti: randomUUID(),
        fam,
        iat,
        exp: iat + accessTtl,
        typ: 'access',
        role,
      };
      const refresh: RefreshClaims = {
        sub: userId,
        jti: randomUUID(),
        fam,
        iat,
        exp: iat + refreshTtl,
        typ: 'refresh',
      };
      return {
        accessToken: sign(access),
        refreshToken: sign(refresh),
        access,
        refresh,
        expiresIn: accessTtl,
      };
    },
    verifyAccess,
    verifyRefresh: (token) => verify(token, refreshClaimsSchema),
  };
}
