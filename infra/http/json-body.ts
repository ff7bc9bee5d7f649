import express, { type RequestHandler } from 'express';
import { DomainError, ErrorCode } from '../../domain/shared/errors.ts';
import { HttpError } from './http-error.ts';

export const BODY_LIMIT = '100kb';

/**
 * The path of the first string (value or key) holding U+0000, or undefined. JSON allows it, but
 * PostgreSQL's jsonb cannot store it: refused here, once, for every route, as a validation error.
 */
function nulPath(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, item] of Object.entries(value)) {
    const itemPath = path ? `${path}.${key}` : key;
    if (key.includes('\u0000')) return itemPath;
    const found = nulPath(item, itemPath);
    if (found !== undefined) return found;
  }
  return undefined;
}

const hasBody = (headers: Record<string, string | string[] | undefined>) =>
  headers['transfer-encoding'] !== undefined ||
  (headers['content-length'] !== undefined && headers['content-length'] !== '0');

/**
 * JSON only: a request that carries a body must say application/json (415 VAL_2003 otherwise);
 * bodies over 100 kB are refused before they are read (413), malformed JSON is 400 VAL_2003 (see
 * the error handler). A request without a body reads as `{}`.
 */
export function jsonBody(options: { limit?: string } = {}): RequestHandler[] {
  const requireJson: RequestHandler = (req, _res, next) => {
    if (!hasBody(req.headers)) return next();
    if (!req.is(['application/json', 'application/*+json']))
      return next(
        new HttpError(ErrorCode.MalformedRequest, 'Content-Type must be application/json', { status: 415 }),
      );
    next();
  };
  const parse = express.json({
    limit: options.limit ?? BODY_LIMIT,
    strict: true,
    type: ['application/json', 'application/*+json'],
  });
  const defaultBody: RequestHandler = (req, _res, next) => {
    if (req.body === undefined) req.body = {};
    const path = nulPath(req.body, '');
    if (path !== undefined) {
      const field = path || '(body)';
      return next(
        new DomainError(ErrorCode.ValidationFailed, 'Text must not contain NUL characters', [
          { field, message: 'must not contain the NUL character (U+0000)' },
        ]),
      );
    }
    next();
  };
  return [requireJson, parse, defaultBody];
}
