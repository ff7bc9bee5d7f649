import type { ErrorCode, ErrorDetail } from '../../domain/shared/errors.ts';

/** API.md's error body; nothing else (no stack, no SQL) ever reaches a client. */
export type ErrorBody = {
  error: { code: ErrorCode; message: string; details: ErrorDetail[]; request_id: string; timestamp: string };
};

export const errorBody = (
  code: ErrorCode,
  message: string,
  details: ErrorDetail[],
  requestId: string,
  now: Date,
): ErrorBody => ({
  // Seconds precision, as in API.md's example.
  error: {
    code,
    message,
    details,
    request_id: requestId,
    timestamp: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  },
});
