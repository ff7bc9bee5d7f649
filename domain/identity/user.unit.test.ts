import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../shared/errors.ts';
import { given } from '../shared/given.ts';
import type { ChangeProfile, GrantRole, RegisterUser } from './commands.ts';
import type { UserEvent } from './events.ts';
import { user } from './user.ts';

const now = '2026-01-15T10:30:00.000Z';
const later = '2026-01-16T08:00:00.000Z';

const register = (overrides: Partial<RegisterUser['data']> = {}): RegisterUser => ({
  type: 'RegisterUser',
  data: {
    user_id: 'usr_1',
    email: 'ada@example.com',
    first_name: 'Ada',
    last_name: 'Lovelace',
    phone: '+441234567890',
    role: 'customer',
    now,
    ...overrides,
  },
});
const registered = (overrides: Partial<Extract<UserEvent, { type: 'UserRegistered' }>['data']> = {}) =>
  ({
    type: 'UserRegistered',
    data: {
      schema_version: 1,
      user_id: 'usr_1',
      email: 'ada@example.com',
      first_name: 'Ada',
      last_name: 'Lovelace',
      phone: '+441234567890',
      role: 'customer',
      registered_at: now,
      ...overrides,
    },
  }) as const satisfies UserEvent;
const changeProfile = (fields: Omit<ChangeProfile['data'], 'user_id' | 'now'>): ChangeProfile => ({
  type: 'ChangeProfile',
  data: { user_id: 'usr_1', now: later, ...fields },
});
const grantRole = (
  role: GrantRole['data']['role'],
  actorRole: GrantRole['data']['actor_role'],
): GrantRole => ({
  type: 'GrantRole',
  data: { user_id: 'usr_1', role, actor_id: 'usr_admin', actor_role: actorRole, now: later },
});

describe('user: register', () => {
  it('registers a new user', () => {
    given(user)().when(register()).thenEvents([registered()]);
  });

  it('registers without a phone (phone null)', () => {
    given(user)()
      .when(register({ phone: undefined }))
      .thenEvents([registered({ phone: null })]);
  });

  it('refuses to register the same user twice', () => {
    given(user)(registered()).when(register()).thenThrows(ErrorCode.AlreadyExists);
  });

  it('refuses an email that is not normalised', () => {
    given(user)()
      .when(register({ email: 'Ada@Example.com' }))
      .thenThrows(ErrorCode.ValidationFailed);
  });

  it('refuses an email that is not an email', () => {
    given(user)()
      .when(register({ email: 'not-an-email' }))
      .thenThrows(ErrorCode.ValidationFailed);
  });

  it('refuses a phone that is not E.164', () => {
    given(user)()
      .when(register({ phone: '0123 456' }))
      .thenThrows(ErrorCode.ValidationFailed);
  });

  it('refuses an empty name', () => {
    given(user)()
      .when(register({ first_name: '  ' }))
      .thenThrows(ErrorCode.ValidationFailed);
    given(user)()
      .when(register({ last_name: '' }))
      .thenThrows(ErrorCode.ValidationFailed);
  });
});

describe('user: change profile', () => {
  it('records only the fields that changed', () => {
    given(user)(registered())
      .when(changeProfile({ first_name: 'Augusta', last_name: 'Lovelace' }))
      .thenEvents([
        {
          type: 'UserProfileChanged',
          data: { schema_version: 1, user_id: 'usr_1', changed_at: later, first_name: 'Augusta' },
        },
      ]);
  });

  it('removes the phone with null', () => {
    const state = given(user)(registered()).state();
    expect(state.status === 'registered' && state.phone).toBe('+441234567890');
    given(user)(registered())
      .when(changeProfile({ phone: null }))
      .thenEvents([
        {
          type: 'UserProfileChanged',
          data: { schema_version: 1, user_id: 'usr_1', changed_at: later, phone: null },
        },
      ]);
  });

  it('decides nothing when nothing changed', () => {
    given(user)(registered())
      .when(changeProfile({ first_name: 'Ada' }))
      .thenEvents([]);
  });

  it('refuses for an unknown user', () => {
    given(user)()
      .when(changeProfile({ first_name: 'X' }))
      .thenThrows(ErrorCode.NotFound);
  });

  it('refuses an invalid phone', () => {
    given(user)(registered())
      .when(changeProfile({ phone: '12' }))
      .thenThrows(ErrorCode.ValidationFailed);
  });

  it('folds the change into the state', () => {
    const state = given(user)(registered(), {
      type: 'UserProfileChanged',
      data: { schema_version: 1, user_id: 'usr_1', changed_at: later, last_name: 'King', phone: null },
    }).state();
    expect(state).toMatchObject({ firstName: 'Ada', lastName: 'King', phone: null });
  });
});

describe('user: grant role', () => {
  it('lets an admin grant a role', () => {
    given(user)(registered())
      .when(grantRole('auditor', 'admin'))
      .thenEvents([
        {
          type: 'UserRoleGranted',
          data: {
            schema_version: 1,
            user_id: 'usr_1',
            role: 'auditor',
            previous_role: 'customer',
            granted_by: 'usr_admin',
            granted_at: later,
          },
        },
      ]);
  });

  it('refuses a customer or an auditor', () => {
    given(user)(registered()).when(grantRole('admin', 'customer')).thenThrows(ErrorCode.Forbidden);
    given(user)(registered()).when(grantRole('admin', 'auditor')).thenThrows(ErrorCode.Forbidden);
  });

  it('refuses for an unknown user', () => {
    given(user)().when(grantRole('admin', 'admin')).thenThrows(ErrorCode.NotFound);
  });

  it('decides nothing when the user already holds the role', () => {
    given(user)(registered({ role: 'admin' }))
      .when(grantRole('admin', 'admin'))
      .thenEvents([]);
  });
});
