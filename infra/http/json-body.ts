import express, { type RequestHandler } from 'express';
import { ErrorCode } from '../../domain/shared/errors.ts';
import { HttpError } from './http-error.ts';

export const BODY_LIMIT = '100kb';

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
    next();
  };
  return [requireJson, parse, defaultBody];
}
