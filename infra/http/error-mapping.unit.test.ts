import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DomainError, ErrorCode } from '../../domain/shared/errors.ts';
import { VersionConflict } from '../eventstore/errors.ts';
import { errorBody } from './error-body.ts';
import { httpStatusFor } from './error-status.ts';
import { HttpError } from './http-error.ts';
import { parseInput } from './validation.ts';

const status = (code: ErrorCode, preconditionSent = false) =>
  httpStatusFor(new DomainError(code, 'x'), { preconditionSent });

describe('the one DomainError → HTTP status mapping', () => {
  it('gives every API.md code its status', () => {
    expect(Object.fromEntries(Object.values(ErrorCode).map((code) => [code, status(code)]))).toEqual({
      AUTH_1001: 401,
      AUTH_1002: 401,
      AUTH_1003: 401,
      AUTH_1004: 403,
      AUTH_1005: 403,
      VAL_2001: 400,
      VAL_2002: 400,
      VAL_2003: 400,
      VAL_2004: 422,
      RES_3001: 404,
      RES_3002: 409,
      RES_3003: 409,
      BIZ_4001: 409,
      BIZ_4002: 400,
      BIZ_4003: 409,
      BIZ_4004: 402,
      BIZ_4005: 409,
      BIZ_4006: 409,
      BIZ_4007: 410,
      BIZ_4010: 409,
      BIZ_4011: 409,
      BIZ_4009: 409,
      BIZ_4008: 403,
      RATE_4291: 429,
      SYS_5001: 500,
      SYS_5002: 503,
    });
  });

  it('answers a version conflict with 412 only when If-Match was sent', () => {
    const conflict = new VersionConflict('user-usr_1', 3n, 4n);
    expect(httpStatusFor(conflict, { preconditionSent: true })).toBe(412);
    expect(httpStatusFor(conflict, { preconditionSent: false })).toBe(409);
  });

  it('lets the edge pick 413/415 for VAL_2003', () => {
    const tooLarge = new HttpError(ErrorCode.MalformedRequest, 'too large', { status: 413 });
    expect(httpStatusFor(tooLarge, { preconditionSent: false })).toBe(413);
  });

  it('builds the error body with a seconds-precision timestamp', () => {
    expect(
      errorBody(
        'BIZ_4001',
        'short',
        [{ field: 'quantity', message: 'only 3' }],
        'req_1',
        new Date('2026-01-15T10:30:00.123Z'),
      ),
    ).toEqual({
      error: {
        code: 'BIZ_4001',
        message: 'short',
        details: [{ field: 'quantity', message: 'only 3' }],
        request_id: 'req_1',
        timestamp: '2026-01-15T10:30:00Z',
      },
    });
  });
});

describe('input validation', () => {
  const schema = z.object({
    name: z.string().min(1),
    qty: z.number().int(),
    address: z.object({ city: z.string() }),
  });
  const codeAndFields = (input: unknown) => {
    try {
      parseInput(schema, input, 'body');
      return 'ok';
    } catch (error) {
      const e = error as DomainError;
      return `${e.code} ${e.details.map((d) => d.field).join(',')}`;
    }
  };

  it('answers VAL_2002 when a required field is missing, listing every failing field', () => {
    expect(codeAndFields({ name: 'a', qty: 1 })).toBe('VAL_2002 address');
    expect(codeAndFields({ qty: 'x', address: {} })).toBe('VAL_2002 name,qty,address.city');
  });

  it('answers VAL_2001 when fields are present but wrong', () => {
    expect(codeAndFields({ name: '', qty: 1.5, address: { city: 'X' } })).toBe('VAL_2001 name,qty');
    expect(codeAndFields([1])).toBe('VAL_2001 body');
    expect(codeAndFields({ name: 'a', qty: 1, address: { city: 'X' } })).toBe('ok');
  });
});
