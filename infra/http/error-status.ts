import { type DomainError, ErrorCode } from '../../domain/shared/errors.ts';
import { HttpError } from './http-error.ts';

const statusByCode: Record<ErrorCode, number> = {
  [ErrorCode.InvalidCredentials]: 401,
  [ErrorCode.TokenExpired]: 401,
  [ErrorCode.TokenInvalid]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.EmailNotVerified]: 403,
  [ErrorCode.ValidationFailed]: 400,
  [ErrorCode.RequiredFieldMissing]: 400,
  [ErrorCode.MalformedRequest]: 400,
  [ErrorCode.IdempotencyKeyReused]: 422,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.AlreadyExists]: 409,
  [ErrorCode.VersionConflict]: 409,
  [ErrorCode.InsufficientStock]: 409,
  [ErrorCode.InvalidQuantity]: 400,
  [ErrorCode.CartEmpty]: 409,
  [ErrorCode.PaymentDeclined]: 402,
  [ErrorCode.PriceChanged]: 409,
  [ErrorCode.IllegalStateTransition]: 409,
  [ErrorCode.ReservationExpired]: 410,
  [ErrorCode.CheckoutInProgress]: 409,
  [ErrorCode.ReservationLimit]: 409,
  [ErrorCode.CouponUnusable]: 409,
  [ErrorCode.ReviewRequiresPurchase]: 403,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.Unexpected]: 500,
  [ErrorCode.DependencyUnavailable]: 503,
};

/**
 * The one mapping from our error to an HTTP status. A version conflict is 412 when the client sent
 * If-Match (its precondition failed) and 409 otherwise (the server's own retries ran out).
 */
export function httpStatusFor(error: DomainError, request: { preconditionSent: boolean }): number {
  if (error instanceof HttpError && error.options.status !== undefined) return error.options.status;
  if (error.code === ErrorCode.VersionConflict && request.preconditionSent) return 412;
  return statusByCode[error.code] ?? 500;
}
