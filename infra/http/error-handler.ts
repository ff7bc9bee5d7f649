import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { DomainError, ErrorCode } from '../../domain/shared/errors.ts';
import { isDependencyUnavailable } from './dependency-errors.ts';
import { errorBody } from './error-body.ts';
import { httpStatusFor } from './error-status.ts';
import { HttpError } from './http-error.ts';

type BodyParserError = Error & { type?: string; status?: number; expose?: boolean };

/** Translates the body parser's failures (malformed JSON, too large, bad charset) into VAL_2003. */
function fromBodyParser(error: BodyParserError): HttpError | undefined {
  switch (error.type) {
    case 'entity.parse.failed':
      return new HttpError(ErrorCode.MalformedRequest, 'Malformed JSON body');
    case 'entity.too.large':
      return new HttpError(ErrorCode.MalformedRequest, 'Request body too large (limit 100 kB)', {
        status: 413,
      });
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new HttpError(ErrorCode.MalformedRequest, 'Unsupported body encoding', { status: 415 });
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new HttpError(ErrorCode.MalformedRequest, 'Malformed request body');
    default:
      // Anything else the body parser or the router refuses with a 4xx of its own (a corrupt gzip body,
      // a bad %-escape in a parameter): keep its status, in our error body.
      if (typeof error.status === 'number' && error.status >= 400 && error.status < 500)
        return new HttpError(ErrorCode.MalformedRequest, 'Malformed request', {
          status: error.status === 413 || error.status === 415 ? error.status : 400,
        });
      return undefined;
  }
}

/** PostgreSQL, Redis or the event store saturated or unreachable: 503 SYS_5002, retry shortly. */
function fromDependency(error: Error): HttpError | undefined {
  if (!isDependencyUnavailable(error)) return undefined;
  return new HttpError(
    ErrorCode.DependencyUnavailable,
    'A dependency is busy or unavailable; retry shortly',
    {
      headers: { 'Retry-After': '1' },
    },
  );
}

/** The one place errors become responses. */
export function errorHandler(options: { clock: () => Date }): ErrorRequestHandler {
  return (raw: unknown, req, res, next) => {
    if (res.headersSent) return next(raw);
    const known =
      raw instanceof DomainError
        ? raw
        : raw instanceof Error
          ? (fromBodyParser(raw as BodyParserError) ?? fromDependency(raw))
          : undefined;
    const error = known ?? new DomainError(ErrorCode.Unexpected, 'Unexpected error');
    const status = httpStatusFor(error, { preconditionSent: req.get('if-match') !== undefined });
    if (!known) req.log?.error({ err: raw }, 'unhandled error');
    else if (status >= 500) req.log?.error({ err: raw, code: error.code }, 'request failed');
    else req.log?.debug({ code: error.code, reason: error.message }, 'request refused');
    if (error instanceof HttpError)
      for (const [name, value] of Object.entries(error.options.headers ?? {})) res.setHeader(name, value);
    if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
    if (status === 413) res.setHeader('Connection', 'close'); // the rest of the body is not read
    res
      .status(status)
      .json(errorBody(error.code, error.message, error.details, req.requestId ?? 'unknown', options.clock()));
  };
}

/**
 * Unknown paths and methods: 404 RES_3001 in the same error body. Neither the answer nor the log repeats
 * the path: it is whatever a client typed (an email address, a token), and no route names it.
 */
export const notFoundHandler: RequestHandler = (req: Request, _res, next) => {
  next(new DomainError(ErrorCode.NotFound, `No such route for ${req.method}`));
};
