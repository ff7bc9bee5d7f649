import type { Request, RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { ErrorCode } from '../../domain/shared/errors.ts';
import { HttpError } from './http-error.ts';

export type RateLimit = {
  /** Requests per minute; 0 turns the limit off. */
  perMinute: number;
  /** Redis key prefix of this limit, e.g. `rl:auth`. */
  name: string;
  /** Who is counted: the user id, the IP, the IP and the email… */
  key: (req: Request) => string;
};

/**
 * A per-minute limit in Redis (shared by every instance of the service). Over the limit: 429
 * RATE_4291 with Retry-After. When Redis fails the request is let through and the failure logged:
 * a rate limiter must not take the API down with it.
 */
export function rateLimit(redis: Redis, limit: RateLimit): RequestHandler {
  if (limit.perMinute <= 0) return (_req, _res, next) => next();
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: limit.name,
    points: limit.perMinute,
    duration: 60,
  });
  return async (req, res, next) => {
    try {
      const outcome = await limiter.consume(limit.key(req), 1);
      res.setHeader('RateLimit-Remaining', String(outcome.remainingPoints));
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        const seconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
        throw new HttpError(ErrorCode.RateLimited, 'Rate limit exceeded', {
          headers: { 'Retry-After': String(seconds) },
        });
      }
      req.log.warn(
        { err: (rejection as Error).message, limit: limit.name },
        'rate limiter unavailable; not limiting',
      );
    }
    next();
  };
}

/** The caller's address as the socket sees it (set `trust proxy` on the app behind a proxy). */
export const clientIp = (req: Request) => req.ip ?? req.socket.remoteAddress ?? 'unknown';
