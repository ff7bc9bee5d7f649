import express, { type RequestHandler } from 'express';
import { DomainError, ErrorCode } from '../../domain/shared/errors.ts';
import { HttpError } from './http-error.ts';
import { findBadText, refuseDeepJson } from './input-guard.ts';

export const BODY_LIMIT = '100kb';

const hasBody = (headers: Record<string, string | string[] | undefined>) =>
  headers['transfer-encoding'] !== undefined ||
  (headers['content-length'] !== undefined && headers['content-length'] !== '0');

/**
 * JSON only: a request that carries a body must say application/json (415 VAL_2003 otherwise);
 * bodies over 100 kB are refused before they are read (413), malformed JSON or nesting deeper than
 * MAX_JSON_DEPTH is 400 VAL_2003 (see the error handler), a NUL or lone surrogate in any key or string
 * is 400 VAL_2001. A request without a body reads as `{}`.
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
    verify: refuseDeepJson, // before JSON.parse: no deep value ever reaches recursive code
  });
  const defaultBody: RequestHandler = (req, _res, next) => {
    if (req.body === undefined) req.body = {};
    const found = findBadText(req.body, '');
    if (found !== undefined) {
      return next(
        new DomainError(ErrorCode.ValidationFailed, 'Invalid text in the body', [
          { field: found.field || '(body)', message: found.message },
        ]),
      );
    }
    next();
  };
  return [requireJson, parse, defaultBody];
}
