import cors from 'cors';
import type { RequestHandler } from 'express';

/** CORS for the configured origins only; other origins get no CORS headers (the browser blocks them). */
export function corsFromAllowlist(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins);
  return cors({
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    allowedHeaders: [
      'Authorization',
      'Content-Type',
      'Idempotency-Key',
      'If-Match',
      'X-Request-Id',
      'X-Consistency-Token',
      'traceparent',
      'X-Cart-Token',
    ],
    exposedHeaders: [
      'ETag',
      'X-Request-Id',
      'X-Consistency-Token',
      'Retry-After',
      'Idempotent-Replayed',
      'X-Cart-Token',
    ],
    maxAge: 600,
  });
}
