import { type CommandHandler, requireRevision } from '../../application/commands/command-handler.ts';
import type { CommandMetadata } from '../../application/commands/metadata.ts';
import { emailClaim } from '../../domain/identity/email.ts';
import { userStreamName } from '../../domain/identity/events.ts';
import type { Role } from '../../domain/identity/roles.ts';
import { user } from '../../domain/identity/user.ts';
import { notFound } from '../../domain/shared/errors.ts';
import type { Sessions } from '../../infra/auth/sessions.ts';
import type { EventStore } from '../../infra/eventstore/port.ts';
import type { Position } from '../../infra/eventstore/position.ts';
import { personalDataOf } from '../../infra/privacy/personal-data.ts';
import { ERASED } from '../../infra/privacy/personal-fields.ts';
import { emailStreamFor } from './register-user.ts';

export type ErasureDeps = {
  store: EventStore;
  handler: CommandHandler;
  sessions: Sessions;
  clock: () => Date;
  /** Drops the idempotency cache's kept answers about the user (command-api/idempotency.ts). */
  forgetAnswersAbout: (userId: string) => Promise<void>;
};

/**
 * Erasure by crypto-shredding, in an order that a retry (the same DELETE again) always finishes:
 * 1. release the email claim (login then fails, and the address may register again) — it needs the
 *    address, so it comes while the key still opens it;
 * 2. destroy the person's data key: from here every personal field of theirs reads "[erased]", and
 *    new personal data for them is refused;
 * 3. append UserErased to the user stream (the auditable record; read models mask on it). The key is
 *    gone before this event exists, so a reader that meets it, or anything after it (an order placed
 *    concurrently, encrypted a moment before), can no longer decrypt that person's fields;
 * 4. end every session of the user;
 * 5. drop the answers the idempotency cache keeps about them (they hold the person's details as sent).
 * Each step is idempotent: a retry skips what is done and finishes the rest.
 */
export async function eraseUser(
  deps: ErasureDeps,
  target: string,
  actor: { userId: string; role: Role },
  metadata: CommandMetadata,
  /** If-Match: refused (412) before anything is destroyed when the user has moved on (erasure is final). */
  expectedRevision?: bigint,
): Promise<{
  userId: string;
  erasedAt: string;
  /** The user stream's, for ETag and X-Consistency-Token (a retry that appends nothing: the store's head). */
  revision: bigint | undefined;
  position: Position | undefined;
}> {
  const stream = userStreamName(target);
  const { state, revision } = await deps.handler.load(user, stream);
  if (state.status === 'none') throw notFound('User', target);
  requireRevision(stream, expectedRevision, revision);
  const now = deps.clock().toISOString();
  const command = {
    type: 'EraseUser' as const,
    data: { user_id: target, actor_id: actor.userId, actor_role: actor.role, now },
  };
  user.decide(command, state); // refuses (e.g. not allowed) before anything is destroyed
  if (state.status === 'registered' && state.email !== ERASED) {
    await deps.handler.handle({
      decider: emailClaim,
      stream: emailStreamFor(deps.store, state.email),
      metadata,
      command: { type: 'ReleaseEmail', data: { user_id: target, now } },
    });
  }
  await personalDataOf(deps.store).destroyKey(target);
  const erased = await deps.handler.handle({
    decider: user,
    stream,
    metadata,
    command,
  });
  await deps.sessions.revokeAllForUser(target);
  await deps.forgetAnswersAbout(target);
  return {
    userId: target,
    erasedAt: erased.state.status === 'erased' ? erased.state.erasedAt : now,
    revision: erased.revision,
    position: erased.position,
  };
}
