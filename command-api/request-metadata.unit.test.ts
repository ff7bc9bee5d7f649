import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../domain/shared/errors.ts';
import { commandMetadata, expectedRevisionFrom } from './request-metadata.ts';

const requestWith = (headers: Record<string, string>, extra: Partial<Request> = {}) =>
  ({
    get: (name: string) => headers[name.toLowerCase()],
    requestId: 'req_1',
    ...extra,
  }) as unknown as Request;

describe('If-Match', () => {
  it('reads a quoted or bare revision as a bigint', () => {
    expect(expectedRevisionFrom(requestWith({ 'if-match': '"7"' }))).toBe(7n);
    expect(expectedRevisionFrom(requestWith({ 'if-match': '12' }))).toBe(12n);
    expect(expectedRevisionFrom(requestWith({ 'if-match': '"9007199254740993"' }))).toBe(9007199254740993n);
  });

  it('treats * and absence as no precondition', () => {
    expect(expectedRevisionFrom(requestWith({ 'if-match': '*' }))).toBeUndefined();
    expect(expectedRevisionFrom(requestWith({}))).toBeUndefined();
  });

  it('refuses anything else with VAL_2001', () => {
    for (const bad of ['W/"1"', '"a"', '"-1"', '"1", "2"'])
      expect(() => expectedRevisionFrom(requestWith({ 'if-match': bad }))).toThrow(DomainError);
  });
});

describe('command metadata', () => {
  it('carries the request id as correlation id, the user and the trace', () => {
    const req = requestWith(
      {},
      {
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        auth: { userId: 'usr_1', role: 'customer', claims: {} as never },
      },
    );
    expect(commandMetadata(req)).toEqual({
      correlation_id: 'req_1',
      request_id: 'req_1',
      user_id: 'usr_1',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    });
    expect(commandMetadata(requestWith({}))).toEqual({ correlation_id: 'req_1', request_id: 'req_1' });
  });
});
