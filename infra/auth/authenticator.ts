import { DomainError, ErrorCode } from '../../domain/shared/errors.ts';
import type { Sessions } from './sessions.ts';
import type { AccessClaims, TokenService } from './tokens.ts';

/** Who is calling, as established from a verified, unrevoked access token. */
export type AuthContext = {
  userId: string;
  role: AccessClaims['role'];
  claims: AccessClaims;
};

export type Authenticator = {
  (authorization: string | undefined): Promise<AuthContext>;
  /**
   * Its first half (verifyBearer): signature and claims, no revocation check. A caller that checks
   * revocation in its own Redis round trip (the APIs' admission) must do so before trusting it.
   */
  verify(authorization: string | undefined): AuthContext;
};

/** Verifies `Authorization: Bearer <jwt>` and checks revocation; AUTH_1002/AUTH_1003 otherwise. */
export function createAuthenticator(deps: { tokens: TokenService; sessions: Sessions }): Authenticator {
  const verify = (authorization: string | undefined) => verifyBearer(deps.tokens, authorization);
  const authenticator = async (authorization: string | undefined) => {
    const auth = verify(authorization);
    if (await deps.sessions.isAccessRevoked(auth.claims)) throw tokenRevoked();
    return auth;
  };
  return Object.assign(authenticator, { verify });
}

/**
 * The first half of the authenticator: the bearer token's signature and claims, no revocation check.
 * A caller that checks revocation itself (the command API's admission, in its one Redis round trip)
 * must do so before trusting the result: see accessRevocationKeys in sessions.ts.
 */
export function verifyBearer(tokens: TokenService, authorization: string | undefined): AuthContext {
  const match = /^Bearer ([A-Za-z0-9_.=-]{1,4096})$/.exec(authorization?.trim() ?? '');
  if (!match) throw new DomainError(ErrorCode.TokenInvalid, 'Missing or malformed bearer token');
  const claims = tokens.verifyAccess(match[1]!);
  return { userId: claims.sub, role: claims.role, claims };
}

export const tokenRevoked = () => new DomainError(ErrorCode.TokenInvalid, 'Token revoked');
