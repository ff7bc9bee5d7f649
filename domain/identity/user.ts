import type { Decider } from '../shared/decider.ts';
import { unreachable } from '../shared/decider.ts';
import { alreadyExists, DomainError, ErrorCode, invalid, notFound } from '../shared/errors.ts';
import type { ChangeProfile, EraseUser, GrantRole, RegisterUser, UserCommand } from './commands.ts';
import { emailSchema } from './email.ts';
import { personNameSchema, phoneSchema, type UserEvent, type UserProfileChanged } from './events.ts';
import type { UserLifecycleCommand, UserLifecycleEvent } from './lifecycle-events.ts';
import type { Role } from './roles.ts';

export type UserProfile = {
  userId: string;
  email: string;
  firstName: string;
  lastName: string;
  phone: string | null;
  role: Role;
  registeredAt: string;
  emailVerified: boolean;
  /** Marketing mail (cart reminders); off until the customer opts in. */
  marketingEmails: boolean;
};

export type UserState =
  | { status: 'none' }
  | ({ status: 'registered' } & UserProfile)
  /** Erased: nothing personal is kept, only that the id existed. */
  | { status: 'erased'; userId: string; role: Role; erasedAt: string };

const initialState = (): UserState => ({ status: 'none' });

// The edge validates too; the domain re-checks so that no caller can record a malformed fact.
function checked<T>(field: string, value: T, schema: { safeParse: (v: unknown) => { success: boolean } }) {
  if (!schema.safeParse(value).success) throw invalid(field, `invalid ${field}`);
  return value;
}

function register(command: RegisterUser, state: UserState): UserEvent[] {
  if (state.status !== 'none') throw alreadyExists(`User ${command.data.user_id}`);
  const { data } = command;
  const email = checked('email', data.email, emailSchema);
  if (email !== email.trim().toLowerCase()) throw invalid('email', 'email must be normalised');
  return [
    {
      type: 'UserRegistered',
      data: {
        schema_version: 1,
        user_id: data.user_id,
        email,
        first_name: checked('first_name', data.first_name, personNameSchema),
        last_name: checked('last_name', data.last_name, personNameSchema),
        phone: data.phone == null ? null : checked('phone', data.phone, phoneSchema),
        role: data.role,
        registered_at: data.now,
      },
    },
  ];
}

function changeProfile(command: ChangeProfile, state: UserState): UserEvent[] {
  if (state.status !== 'registered') throw notFound('User', command.data.user_id);
  const { data } = command;
  const changed: UserProfileChanged['data'] = {
    schema_version: 1,
    user_id: data.user_id,
    changed_at: data.now,
  };
  if (data.first_name !== undefined && data.first_name !== state.firstName)
    changed.first_name = checked('first_name', data.first_name, personNameSchema);
  if (data.last_name !== undefined && data.last_name !== state.lastName)
    changed.last_name = checked('last_name', data.last_name, personNameSchema);
  if (data.phone !== undefined && data.phone !== state.phone)
    changed.phone = data.phone === null ? null : checked('phone', data.phone, phoneSchema);
  const nothingChanged =
    changed.first_name === undefined && changed.last_name === undefined && changed.phone === undefined;
  // Saving the same profile again is not a fact worth recording.
  return nothingChanged ? [] : [{ type: 'UserProfileChanged', data: changed }];
}

function grantRole(command: GrantRole, state: UserState): UserEvent[] {
  const { data } = command;
  if (data.actor_role !== 'admin')
    throw new DomainError(ErrorCode.Forbidden, 'Only an admin may grant roles');
  if (state.status !== 'registered') throw notFound('User', data.user_id);
  if (state.role === data.role) return [];
  return [
    {
      type: 'UserRoleGranted',
      data: {
        schema_version: 1,
        user_id: data.user_id,
        role: data.role,
        previous_role: state.role,
        granted_by: data.actor_id,
        granted_at: data.now,
      },
    },
  ];
}

function erase(command: EraseUser, state: UserState): UserEvent[] {
  const { data } = command;
  if (data.actor_role !== 'admin' && data.actor_id !== data.user_id)
    throw new DomainError(ErrorCode.Forbidden, 'Only the user themself or an admin may erase a user');
  if (state.status === 'none') throw notFound('User', data.user_id);
  if (state.status === 'erased') return [];
  return [
    {
      type: 'UserErased',
      data: { schema_version: 1, user_id: data.user_id, erased_by: data.actor_id, erased_at: data.now },
    },
  ];
}

function decideLifecycle(command: UserLifecycleCommand, state: UserState): UserLifecycleEvent[] {
  if (state.status !== 'registered') throw notFound('User', command.data.user_id);
  const { user_id, now } = command.data;
  switch (command.type) {
    case 'RequestEmailVerification':
      // Verified already: there is nothing to send.
      if (state.emailVerified) return [];
      return [
        { type: 'EmailVerificationRequested', data: { schema_version: 1, user_id, requested_at: now } },
      ];
    case 'VerifyEmail':
      if (state.emailVerified) return [];
      return [{ type: 'EmailVerified', data: { schema_version: 1, user_id, verified_at: now } }];
    case 'RequestPasswordReset':
      return [{ type: 'PasswordResetRequested', data: { schema_version: 1, user_id, requested_at: now } }];
    case 'SetMarketingPreference': {
      const { marketing_emails, changed_by } = command.data;
      if (state.marketingEmails === marketing_emails) return [];
      return [
        {
          type: 'MarketingPreferenceChanged',
          data: { schema_version: 1, user_id, marketing_emails, changed_by, changed_at: now },
        },
      ];
    }
    default:
      return unreachable(command);
  }
}

function decide(command: UserCommand | UserLifecycleCommand, state: UserState): AnyUserEvent[] {
  switch (command.type) {
    case 'RegisterUser':
      return register(command, state);
    case 'ChangeProfile':
      return changeProfile(command, state);
    case 'GrantRole':
      return grantRole(command, state);
    case 'EraseUser':
      return erase(command, state);
    default:
      return decideLifecycle(command, state);
  }
}

function evolve(state: UserState, event: AnyUserEvent): UserState {
  switch (event.type) {
    case 'UserRegistered': {
      const d = event.data;
      return {
        status: 'registered',
        userId: d.user_id,
        email: d.email,
        firstName: d.first_name,
        lastName: d.last_name,
        phone: d.phone,
        role: d.role,
        registeredAt: d.registered_at,
        emailVerified: false,
        marketingEmails: false,
      };
    }
    case 'UserProfileChanged': {
      if (state.status !== 'registered') return state;
      const d = event.data;
      return {
        ...state,
        firstName: d.first_name ?? state.firstName,
        lastName: d.last_name ?? state.lastName,
        phone: d.phone === undefined ? state.phone : d.phone,
      };
    }
    case 'UserRoleGranted':
      return state.status === 'registered' ? { ...state, role: event.data.role } : state;
    case 'UserErased':
      return state.status === 'registered'
        ? { status: 'erased', userId: state.userId, role: state.role, erasedAt: event.data.erased_at }
        : state;
    case 'EmailVerified':
      return state.status === 'registered' ? { ...state, emailVerified: true } : state;
    case 'MarketingPreferenceChanged':
      return state.status === 'registered'
        ? { ...state, marketingEmails: event.data.marketing_emails }
        : state;
    case 'EmailVerificationRequested':
    case 'PasswordResetRequested':
      return state;
    default:
      return unreachable(event);
  }
}

export type AnyUserEvent = UserEvent | UserLifecycleEvent;

/**
 * The user aggregate (stream `user-<user_id>`): register, change profile, grant role, erase, and the
 * account lifecycle (verification and reset requests, verified email, marketing preference).
 */
export const user: Decider<UserCommand | UserLifecycleCommand, AnyUserEvent, UserState> = {
  decide,
  evolve,
  initialState,
};
