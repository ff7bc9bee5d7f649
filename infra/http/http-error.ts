import { DomainError, type ErrorCode, type ErrorDetail } from '../../domain/shared/errors.ts';

/**
 * A DomainError raised by the HTTP edge itself, when the status differs from the code's usual one
 * (VAL_2003 as 413 or 415) or the response needs a header (Retry-After). Still one error type.
 */
export class HttpError extends DomainError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly options: { status?: number; headers?: Record<string, string>; details?: ErrorDetail[] } = {},
  ) {
    super(code, message, options.details ?? []);
    this.name = 'HttpError';
  }
}
