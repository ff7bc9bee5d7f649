import type { z } from 'zod';
import { DomainError, ErrorCode, type ErrorDetail } from '../../domain/shared/errors.ts';

type Location = 'body' | 'params' | 'query' | 'headers';

const valueAt = (input: unknown, path: readonly PropertyKey[]) =>
  path.reduce<unknown>(
    (value, key) =>
      value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined,
    input,
  );

/**
 * Parses client input with zod. A missing required field is VAL_2002; anything else wrong is
 * VAL_2001; either way every failing field is listed in details.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, location: Location): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  let missing = false;
  const details: ErrorDetail[] = result.error.issues.map((issue) => {
    const field = issue.path.map(String).join('.') || location;
    if (issue.code === 'invalid_type' && issue.path.length > 0 && valueAt(input, issue.path) === undefined) {
      missing = true;
      return { field, message: 'is required' };
    }
    return { field, message: issue.message };
  });
  if (missing) return failed(ErrorCode.RequiredFieldMissing, 'Required field missing', details);
  return failed(ErrorCode.ValidationFailed, `Invalid ${location}`, details);
}

function failed(code: ErrorCode, message: string, details: ErrorDetail[]): never {
  throw new DomainError(code, message, details);
}
