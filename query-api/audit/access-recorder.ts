import type { RequestHandler } from 'express';
import { DomainError, ErrorCode } from '../../domain/shared/errors.ts';
import type { AccessLog } from '../../infra/audit/access-log.ts';

/**
 * After authentication: records the request (who, what, when, from where) before anything is served, for
 * allowed and refused callers alike. Fails closed: when the record cannot be written, nothing is served.
 */
export function recordAccess(log: AccessLog, allowedRoles: readonly string[]): RequestHandler {
  return async (req, _res, next) => {
    const role = req.auth?.role ?? null;
    try {
      await log.record({
        userId: req.auth?.userId ?? null,
        role,
        allowed: role !== null && allowedRoles.includes(role),
        channel: 'http',
        method: req.method,
        path: req.originalUrl.split('?')[0] ?? req.path,
        query: { ...req.query },
        ip: req.ip ?? req.socket.remoteAddress ?? null,
        userAgent: req.get('user-agent') ?? null,
        requestId: req.requestId ?? null,
      });
    } catch (error) {
      req.log.error({ err: error }, 'audit access could not be recorded; refusing the request');
      throw new DomainError(ErrorCode.DependencyUnavailable, 'Audit access log unavailable');
    }
    next();
  };
}
