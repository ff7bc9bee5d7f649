import { randomUUID } from 'node:crypto';
import { credentials } from '../../domain/identity/credentials.ts';
import { emailClaim, emailStreamName } from '../../domain/identity/email.ts';
import { credentialsStreamName, userStreamName } from '../../domain/identity/events.ts';
import type { Role } from '../../domain/identity/roles.ts';
import { user } from '../../domain/identity/user.ts';
import { alreadyExists } from '../../domain/shared/errors.ts';
import type { PasswordHasher } from '../../infra/auth/password-hasher.ts';
import type { CommandHandler } from '../../infra/commands/command-handler.ts';
import { type CommandMetadata, eventMetadata } from '../../infra/commands/metadata.ts';
import { VersionConflict } from '../../infra/eventstore/errors.ts';
import type { EventStore } from '../../infra/eventstore/port.ts';
import type { Position } from '../../infra/eventstore/position.ts';
import { sha256Hex } from '../request-metadata.ts';

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

export const emailStreamFor = (normalisedEmail: string) => emailStreamName(sha256Hex(normalisedEmail));

/**
 * Registers a user in three appends, in this order: the email claim (`no_stream` on the email's own
 * stream, so of two concurrent registrations exactly one wins: 409 RES_3002 for the other), the
 * user stream, then the credentials stream with the argon2id hash. The hash is made before the claim
 * so that a failure there leaves nothing behind.
 */
export async function registerUser(deps: RegistrationDeps, input: Registration, metadata: CommandMetadata) {
  const passwordHash = await deps.hasher.hash(input.password);
  const now = deps.clock().toISOString();
  const claim = emailClaim.decide(
    { type: 'ClaimEmail', data: { user_id: input.userId, now } },
    emailClaim.initialState(),
  );
  try {
    await deps.store.appendToStream(
      emailStreamFor(input.email),
      claim.map((event) => ({ id: randomUUID(), ...event, metadata: eventMetadata(metadata, deps.clock()) })),
      { expectedRevision: 'no_stream' },
    );
  } catch (error) {
    if (error instanceof VersionConflict) throw alreadyExists('A user with this email');
    throw error;
  }
  const registered = await deps.handler.handle({
    decider: user,
    stream: userStreamName(input.userId),
    metadata,
    command: {
      type: 'RegisterUser',
      data: {
        user_id: input.userId,
        email: input.email,
        first_name: input.firstName,
        last_name: input.lastName,
        phone: input.phone ?? null,
        role: input.role,
        now,
      },
    },
  });
  await deps.handler.handle({
    decider: credentials,
    stream: credentialsStreamName(input.userId),
    metadata,
    command: { type: 'SetPassword', data: { user_id: input.userId, password_hash: passwordHash, now } },
  });
  if (registered.state.status !== 'registered') throw new Error('registration decided nothing');
  return {
    profile: registered.state,
    revision: registered.revision,
    position: registered.position as Position | undefined,
  };
}
