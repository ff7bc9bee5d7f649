import type { CommandHandler } from '../../application/commands/command-handler.ts';
import { eventToAppend } from '../../application/commands/event-to-append.ts';
import type { CommandMetadata } from '../../application/commands/metadata.ts';
import { credentials } from '../../domain/identity/credentials.ts';
import { emailClaim, emailStreamName } from '../../domain/identity/email.ts';
import { credentialsStreamName, userStreamName } from '../../domain/identity/events.ts';
import type { Role } from '../../domain/identity/roles.ts';
import { user } from '../../domain/identity/user.ts';
import { alreadyExists } from '../../domain/shared/errors.ts';
import type { PasswordHasher } from '../../infra/auth/password-hasher.ts';
import { StreamNotFound, VersionConflict } from '../../infra/eventstore/errors.ts';
import type { EventStore } from '../../infra/eventstore/port.ts';
import type { Position } from '../../infra/eventstore/position.ts';
import { personalDataOf } from '../../infra/privacy/personal-data.ts';

export type Registration = {
  userId: string;
  /** Normalised. */
  email: string;
  firstName: string;
  lastName: string;
  phone?: string | undefined;
  role: Role;
  password: string;
};

export type RegistrationDeps = {
  store: EventStore;
  handler: CommandHandler;
  hasher: PasswordHasher;
  clock: () => Date;
};

/** The email's claim stream: named by a keyed hash (HMAC) of the address, never the address itself. */
export const emailStreamFor = (store: EventStore, normalisedEmail: string) =>
  emailStreamName(personalDataOf(store).emailLookup(normalisedEmail));

/**
 * Registers a user in three appends, in this order: the email claim (`no_stream` on the email's own
 * stream, so of two concurrent registrations exactly one wins: 409 RES_3002 for the other), the
 * user stream, then the credentials stream with the argon2id hash (`no_stream` too). The hash is made
 * before the claim so that a failure there leaves nothing behind.
 *
 * A registration is complete once its credentials exist. One that died after claiming the email (or
 * after the user stream) would otherwise hold the email forever with no account behind it: a later
 * registration of the same email adopts the claimed user id and finishes it, unless the half-made user
 * has another role (a dangling bootstrap admin is never handed to a customer, nor the reverse).
 */
export async function registerUser(deps: RegistrationDeps, input: Registration, metadata: CommandMetadata) {
  const passwordHash = await deps.hasher.hash(input.password);
  const now = deps.clock().toISOString();
  const userId = await claimEmail(deps, input, metadata, now);
  const existing = await deps.handler.load(user, userStreamName(userId));
  if (existing.state.status === 'registered' && existing.state.role !== input.role) {
    throw alreadyExists('A user with this email');
  }
  const profile = { first_name: input.firstName, last_name: input.lastName, phone: input.phone ?? null };
  const registered = await deps.handler.handle({
    decider: user,
    stream: userStreamName(userId),
    metadata,
    command:
      existing.state.status === 'none'
        ? {
            type: 'RegisterUser',
            data: { user_id: userId, email: input.email, ...profile, role: input.role, now },
          }
        : { type: 'ChangeProfile', data: { user_id: userId, ...profile, now } },
  });
  const passwordSet = credentials.decide(
    { type: 'SetPassword', data: { user_id: userId, password_hash: passwordHash, now } },
    credentials.initialState(),
  );
  try {
    await deps.store.appendToStream(
      credentialsStreamName(userId),
      passwordSet.map((event) => eventToAppend(event, metadata, deps.clock())),
      { expectedRevision: 'no_stream' },
    );
  } catch (error) {
    // Another registration finished this account first (two adopting the same half-made one).
    if (error instanceof VersionConflict) throw alreadyExists('A user with this email');
    throw error;
  }
  if (registered.state.status !== 'registered') throw new Error('registration decided nothing');
  return {
    profile: registered.state,
    revision: registered.revision,
    position: registered.position as Position | undefined,
  };
}

/** Claims the email for `input.userId`; or, when an unfinished registration holds it, that one's user id. */
async function claimEmail(
  deps: RegistrationDeps,
  input: Registration,
  metadata: CommandMetadata,
  now: string,
) {
  const stream = emailStreamFor(deps.store, input.email);
  const claim = emailClaim.decide(
    { type: 'ClaimEmail', data: { user_id: input.userId, now } },
    emailClaim.initialState(),
  );
  try {
    await deps.store.appendToStream(
      stream,
      claim.map((event) => eventToAppend(event, metadata, deps.clock())),
      { expectedRevision: 'no_stream' },
    );
    return input.userId;
  } catch (error) {
    if (!(error instanceof VersionConflict)) throw error;
  }
  const { state } = await deps.handler.load(emailClaim, stream);
  const claimedBy = state.claimedBy;
  if (!claimedBy) {
    // Released by an erasure: claim it again at the stream's revision (a concurrent claim conflicts,
    // is retried on fresh state, and then refused as "already exists").
    await deps.handler.handle({
      decider: emailClaim,
      stream,
      metadata,
      command: { type: 'ClaimEmail', data: { user_id: input.userId, now } },
    });
    return input.userId;
  }
  const hasCredentials = await deps.store.readStream(credentialsStreamName(claimedBy), { maxCount: 1 }).then(
    () => true,
    (error: unknown) => {
      if (error instanceof StreamNotFound) return false;
      throw error;
    },
  );
  if (hasCredentials) throw alreadyExists('A user with this email');
  return claimedBy;
}
