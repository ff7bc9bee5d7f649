import type { Request, RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { ErrorCode } from '../../domain/shared/errors.ts';
import { HttpError } from './http-error.ts';
import { admitInRedis } from './redis-admission.ts';

export type RateLimit = {
  /** Requests per minute; 0 turns the limit off. */
  perMinute: number;
  /** Redis key prefix of this limit, e.g. `rl:auth`. */
  name: string;
  /** Who is counted: the user id, the IP, the IP and the email… */
  key: (req: Request) => string;
};

/** 429 RATE_4291, with Retry-After in whole seconds from the window's remaining milliseconds. */
export const rateLimited = (ms: number) =>
  new HttpError(ErrorCode.RateLimited, 'Rate limit exceeded', {
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(ms / 1000))) },
  });

/**
 * A per-minute limit in Redis alone (shared by every instance of the service), through the same
 * admission script as a route's whole admission (redis-admission.ts). Over the limit: 429 RATE_4291
 * with Retry-After. When Redis fails the request is let through and the failure logged: a rate
 * limiter must not take the API down with it.
 */
export function rateLimit(redis: Redis, limit: RateLimit): RequestHandler {
  if (limit.perMinute <= 0) return (_req, _res, next) => next();
  return async (req, res, next) => {
    try {
      const outcome = await admitInRedis(redis, {
        general: { key: `${limit.name}:${limit.key(req)}`, points: limit.perMinute },
      });
      if (outcome[0] === 'limited') throw rateLimited(outcome[1]);
      if (outcome[0] === 'ok') res.setHeader('RateLimit-Remaining', String(outcome[1]));
    } catch (error) {
      if (error instanceof HttpError) throw error;
      req.log.warn({ err: error, limit: limit.name }, 'rate limiter unavailable; not limiting');
    }
    next();
  };
}

/** The caller's address as the socket sees it (set `trust proxy` on the app behind a proxy). */
export const clientIp = (req: Request) => req.ip ?? req.socket.remoteAddress ?? 'unknown';
