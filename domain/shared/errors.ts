/** Error codes of the HTTP contract (shared/design/API.md). The HTTP status is chosen in one place, the API's error mapper. */
export const ErrorCode = {
  InvalidCredentials: 'AUTH_1001',
  TokenExpired: 'AUTH_1002',
  TokenInvalid: 'AUTH_1003',
  Forbidden: 'AUTH_1004',
  EmailNotVerified: 'AUTH_1005',
  ValidationFailed: 'VAL_2001',
  RequiredFieldMissing: 'VAL_2002',
  MalformedRequest: 'VAL_2003',
  IdempotencyKeyReused: 'VAL_2004',
  NotFound: 'RES_3001',
  AlreadyExists: 'RES_3002',
  VersionConflict: 'RES_3003',
  InsufficientStock: 'BIZ_4001',
  InvalidQuantity: 'BIZ_4002',
  CartEmpty: 'BIZ_4003',
  PaymentDeclined: 'BIZ_4004',
  PriceChanged: 'BIZ_4005',
  IllegalStateTransition: 'BIZ_4006',
  ReservationExpired: 'BIZ_4007',
  ReviewRequiresPurchase: 'BIZ_4008',
  CouponUnusable: 'BIZ_4009',
  CheckoutInProgress: 'BIZ_4010',
  ReservationLimit: 'BIZ_4011',
  RateLimited: 'RATE_4291',
  Unexpected: 'SYS_5001',
  DependencyUnavailable: 'SYS_5002',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export type ErrorDetail = { field: string; message: string };

/** The one error hierarchy: every refusal the system gives a client is a DomainError carrying an API.md code. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (what: string, id: string) =>
  new DomainError(ErrorCode.NotFound, `${what} ${id} not found`);
export const alreadyExists = (what: string) =>
  new DomainError(ErrorCode.AlreadyExists, `${what} already exists`);
export const illegalTransition = (what: string, from: string, action: string) =>
  new DomainError(ErrorCode.IllegalStateTransition, `Cannot ${action} ${what} in status ${from}`);
export const invalid = (field: string, message: string) =>
  new DomainError(ErrorCode.ValidationFailed, message, [{ field, message }]);
