import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../shared/errors.ts';
import { given } from '../shared/given.ts';
import { type AccountTokenEvent, accountToken, type UseAccountToken } from './account-token.ts';

const issuedAt = '2026-01-15T10:00:00.000Z';
const issued: AccountTokenEvent = {
  type: 'AccountTokenIssued',
  data: {
    schema_version: 1,
    user_id: 'usr_1',
    purpose: 'password_reset',
    issued_for: 'evt-1',
    issued_at: issuedAt,
    expires_at: '2026-01-16T10:00:00.000Z',
  },
};
const use = (now: string, extra: Partial<UseAccountToken['data']> = {}): UseAccountToken => ({
  type: 'UseAccountToken',
  data: { purpose: 'password_reset', now, ...extra },
});

describe('account token', () => {
  it('is issued for 24 hours', () => {
    const [event] = given(accountToken)()
      .when({
        type: 'IssueAccountToken',
        data: { user_id: 'usr_1', purpose: 'password_reset', issued_for: 'evt-1', now: issuedAt },
      })
      .events();
    expect(event).toEqual(issued);
  });

  it('is spent by its first use', () => {
    given(accountToken)(issued)
      .when(use('2026-01-15T11:00:00.000Z'))
      .thenEvents([
        {
          type: 'AccountTokenUsed',
          data: { schema_version: 1, user_id: 'usr_1', used_at: '2026-01-15T11:00:00.000Z' },
        },
      ]);
  });

  it('refuses a second use, an unknown token and another purpose alike', () => {
    const used = given(accountToken)(issued).when(use('2026-01-15T11:00:00.000Z')).events();
    given(accountToken)(issued, ...used)
      .when(use('2026-01-15T12:00:00.000Z'))
      .thenThrows(ErrorCode.TokenInvalid);
    given(accountToken)().when(use('2026-01-15T11:00:00.000Z')).thenThrows(ErrorCode.TokenInvalid);
    given(accountToken)(issued)
      .when({ type: 'UseAccountToken', data: { purpose: 'verify_email', now: '2026-01-15T11:00:00.000Z' } })
      .thenThrows(ErrorCode.TokenInvalid);
  });

  it('expires after 24 hours', () => {
    given(accountToken)(issued).when(use('2026-01-16T10:00:00.000Z')).thenThrows(ErrorCode.TokenExpired);
  });

  it('is void once the password changed after it was issued', () => {
    given(accountToken)(issued)
      .when(use('2026-01-15T12:00:00.000Z', { password_set_at: '2026-01-15T11:00:00.000Z' }))
      .thenThrows(ErrorCode.TokenInvalid);
  });
});
