import { DomainError, ErrorCode } from '../../domain/shared/errors.ts';
import type { Sessions } from './sessions.ts';
import type { AccessClaims, TokenService } from './tokens.ts';

/** Who is calling, as established from a verified, unrevoked access token. */
export type AuthContext = {
  userId: string;
  role: AccessClaims['role'];
  claims: AccessClaims;
};

export type Authenticator = (authorization: string | undefined) => Promise<AuthContext>;

/** Verifies `Authorization: Bearer <jwt>` and checks revocation; AUTH_1002/AUTH_1003 otherwise. */
export function createAuthenticator(deps: { tokens: TokenService; sessions: Sessions }): Authenticator {
  return async (authorization) => {
    const match = /^Bearer ([A-Za-z0-9_.=-]{1,4096})$/.exec(authorization?.trim() ?? '');
    if (!match) throw new DomainError(ErrorCode.TokenInvalid, 'Missing or malformed bearer token');
    const claims = deps.tokens.verifyAccess(match[1]!);
    if (await deps.sessions.isAccessRevoked(claims))
      throw new DomainError(ErrorCode.TokenInvalid, 'Token revoked');
    return { userId: claims.sub, role: claims.role, claims };
  };
}
