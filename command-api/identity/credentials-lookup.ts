import type { CommandHandler } from '../../application/commands/command-handler.ts';
import { credentials } from '../../domain/identity/credentials.ts';
import { emailClaim } from '../../domain/identity/email.ts';
import { credentialsStreamName } from '../../domain/identity/events.ts';
import type { EventStore } from '../../infra/eventstore/port.ts';
import { emailStreamFor } from './register-user.ts';

/**
 * Email → user id (from the email's claim stream) → password hash (from the credentials stream).
 * Straight from the event store, so a login works the moment registration answered, with no read
 * model that could expose a hash.
 */
export async function lookUpCredentials(
  handler: CommandHandler,
  store: EventStore,
  normalisedEmail: string,
): Promise<{ userId: string; passwordHash: string } | undefined> {
  const claim = await handler.load(emailClaim, emailStreamFor(store, normalisedEmail));
  const userId = claim.state.claimedBy;
  if (userId === undefined) return undefined;
  const held = await handler.load(credentials, credentialsStreamName(userId));
  if (held.state.passwordHash === undefined) return undefined;
  return { userId, passwordHash: held.state.passwordHash };
}
