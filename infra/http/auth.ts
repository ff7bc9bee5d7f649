import type { RequestHandler } from 'express';
import type { Role } from '../../domain/identity/roles.ts';
import { DomainError, ErrorCode } from '../../domain/shared/errors.ts';
import type { AuthContext } from '../auth/authenticator.ts';

/** Requires a valid, unrevoked access token; sets `req.auth` and adds user_id to the request's logger. */
export function authenticate(
  authenticator: (authorization: string | undefined) => Promise<AuthContext>,
): RequestHandler {
  return async (req, _res, next) => {
    req.auth = await authenticator(req.get('authorization'));
    req.log = req.log.child({ user_id: req.auth.userId });
    next();
  };
}

/** After authenticate: the caller's role must be one of these (403 AUTH_1004 otherwise). */
export function requireRole(...allowed: Role[]): RequestHandler {
  return (req, _res, next) => {
    if (!req.auth) throw new DomainError(ErrorCode.TokenInvalid, 'Authentication required');
    if (!allowed.includes(req.auth.role))
      throw new DomainError(ErrorCode.Forbidden, `Requires role ${allowed.join(' or ')}`);
    next();
  };
}
