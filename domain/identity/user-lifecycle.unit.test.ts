import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../shared/errors.ts';
import { given } from '../shared/given.ts';
import type { AnyUserEvent } from './user.ts';
import { user } from './user.ts';

const now = '2026-01-15T10:30:00.000Z';
const registered: AnyUserEvent = {
  type: 'UserRegistered',
  data: {
    schema_version: 1,
    user_id: 'usr_1',
    email: 'ada@example.com',
    first_name: 'Ada',
    last_name: 'Lovelace',
    phone: null,
    role: 'customer',
    registered_at: now,
  },
};
const verified: AnyUserEvent = {
  type: 'EmailVerified',
  data: { schema_version: 1, user_id: 'usr_1', verified_at: now },
};

describe('user lifecycle', () => {
  it('starts unverified and without marketing mail', () => {
    const state = given(user)(registered).state();
    expect(state).toMatchObject({ emailVerified: false, marketingEmails: false });
  });

  it('verifies once; a second verification records nothing', () => {
    given(user)(registered)
      .when({ type: 'VerifyEmail', data: { user_id: 'usr_1', now } })
      .thenEvents([verified]);
    given(user)(registered, verified)
      .when({ type: 'VerifyEmail', data: { user_id: 'usr_1', now } })
      .thenEvents([]);
  });

  it('sends no verification mail to a verified address', () => {
    given(user)(registered, verified)
      .when({ type: 'RequestEmailVerification', data: { user_id: 'usr_1', now } })
      .thenEvents([]);
  });

  it('records a changed marketing preference only', () => {
    const optIn = {
      type: 'SetMarketingPreference',
      data: { user_id: 'usr_1', marketing_emails: true, changed_by: 'customer', now },
    } as const;
    const [changed] = given(user)(registered).when(optIn).events();
    expect(changed?.type).toBe('MarketingPreferenceChanged');
    given(user)(registered, changed!).when(optIn).thenEvents([]);
    expect(given(user)(registered, changed!).state()).toMatchObject({ marketingEmails: true });
  });

  it('refuses lifecycle commands for an unknown user', () => {
    given(user)()
      .when({ type: 'RequestPasswordReset', data: { user_id: 'usr_1', now } })
      .thenThrows(ErrorCode.NotFound);
  });
});
