import { randomFillSync } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AuthContext } from '../auth/authenticator.ts';
import type { Logger } from '../logger.ts';
import { routeLabel } from '../telemetry/http-metrics.ts';

declare global {
  namespace Express {
    interface Request {
      /** The client's X-Request-Id when sane, else one of ours (`req_…`). */
      requestId: string;
      /** The request's logger: every line carries request_id. */
      log: Logger;
      /** W3C trace context, when the client sent a valid one. */
      traceparent?: string;
      /** Set by the authenticate middleware. */
      auth?: AuthContext;
      /** performance.now() when the request arrived, before any middleware waited (arrivedAt). */
      arrivedMs: number;
    }
  }
}

const acceptableRequestId = /^[A-Za-z0-9._:-]{1,128}$/;
const validTraceparent = /^[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

// Random bytes drawn 12 at a time from a pool filled 4 KiB at once: one call into the CSPRNG per 341
// requests instead of one per request (what randomUUID does inside Node).
const pool = Buffer.alloc(4092);
let drawn = pool.length;

/** `req_` and 16 base64url characters (96 random bits). */
export const generateRequestId = () => {
  if (drawn + 12 > pool.length) {
    randomFillSync(pool);
    drawn = 0;
  }
  drawn += 12;
  return `req_${pool.toString('base64url', drawn - 12, drawn)}`;
};

/**
 * Gives each request its id (accepted from X-Request-Id when it is short and plain, so it cannot
 * inject into logs, else generated), echoes it, hangs a child logger on the request, and logs one
 * line when the response is done.
 */
export function requestContext(options: { logger: Logger; newRequestId?: () => string }): RequestHandler {
  const newId = options.newRequestId ?? generateRequestId;
  return (req: Request, res: Response, next: NextFunction) => {
    const offered = req.get('x-request-id');
    req.arrivedMs = performance.now();
    req.requestId = offered && acceptableRequestId.test(offered) ? offered : newId();
    const traceparent = req.get('traceparent')?.trim().toLowerCase();
    if (traceparent && validTraceparent.test(traceparent)) req.traceparent = traceparent;
    req.log = options.logger.child({ request_id: req.requestId });
    res.setHeader('X-Request-Id', req.requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      req.log.info(
        {
          method: req.method,
          // The route's template, never the path: a path is the client's text (an email address where
          // an id belongs, a token), and the request id ties the line to the events it caused.
          route: (res.locals.route as string | undefined) ?? routeLabel(req),
          status: res.statusCode,
          ms: Math.round(ms * 10) / 10,
          user_id: req.auth?.userId,
        },
        'request',
      );
    });
    next();
  };
}

/** When the request arrived, on `clock` (the app's clock, which tests may move): now, less its age. */
export const arrivedAt = (req: Request, clock: () => Date): string =>
  new Date(clock().getTime() - (performance.now() - req.arrivedMs)).toISOString();
