import type { CommandMetadata } from '../../application/commands/metadata.ts';
import { accountToken, type TokenPurpose } from '../../domain/identity/account-token.ts';
import { credentials } from '../../domain/identity/credentials.ts';
import { credentialsStreamName, userStreamName } from '../../domain/identity/events.ts';
import { user } from '../../domain/identity/user.ts';
import { DomainError, ErrorCode } from '../../domain/shared/errors.ts';
import { accountTokenStream, looksLikeAccountToken } from '../../infra/auth/account-tokens.ts';
import { StreamNotFound } from '../../infra/eventstore/errors.ts';
import type { CommandApiContext } from '../context.ts';
import { lookUpCredentials } from './credentials-lookup.ts';

type Deps = Pick<CommandApiContext, 'handler' | 'store' | 'clock' | 'hasher' | 'sessions'>;

const invalidToken = () => new DomainError(ErrorCode.TokenInvalid, 'Invalid or used token');

/** Spends a token of this purpose (single use: the append is at the revision read). Returns its user. */
async function useToken(
  deps: Deps,
  token: string,
  purpose: TokenPurpose,
  metadata: CommandMetadata,
  passwordSetAt?: (userId: string) => Promise<string | undefined>,
) {
  if (!looksLikeAccountToken(token)) throw invalidToken();
  const stream = accountTokenStream(token);
  const { state } = await deps.handler.load(accountToken, stream);
  if (state.status === 'none') throw invalidToken();
  const setAt = passwordSetAt ? await passwordSetAt(state.userId) : undefined;
  const used = await deps.handler.handle({
    decider: accountToken,
    stream,
    metadata,
    command: {
      type: 'UseAccountToken',
      data: { purpose, now: deps.clock().toISOString(), password_set_at: setAt },
    },
  });
  if (used.state.status === 'none') throw invalidToken();
  return used.state.userId;
}

/** POST /users/verify-email: spends the token, then records the verified email. */
export async function verifyEmail(deps: Deps, token: string, metadata: CommandMetadata) {
  const userId = await useToken(deps, token, 'verify_email', metadata);
  const result = await deps.handler.handle({
    decider: user,
    stream: userStreamName(userId),
    metadata,
    command: { type: 'VerifyEmail', data: { user_id: userId, now: deps.clock().toISOString() } },
  });
  return { userId, result };
}

async function lastPasswordSetAt(deps: Deps, userId: string) {
  try {
    const [last] = await deps.store.readStream(credentialsStreamName(userId), {
      direction: 'backwards',
      maxCount: 1,
    });
    return (last?.data as { set_at?: string } | undefined)?.set_at;
  } catch (error) {
    if (error instanceof StreamNotFound) return undefined;
    throw error;
  }
}

/**
 * POST /users/password-reset/confirm: the new password is hashed before the token is spent (a
 * failure there leaves the token usable), then set, then every session of the user ends.
 */
export async function confirmPasswordReset(
  deps: Deps,
  token: string,
  newPassword: string,
  metadata: CommandMetadata,
) {
  const passwordHash = await deps.hasher.hash(newPassword);
  const userId = await useToken(deps, token, 'password_reset', metadata, (id) => lastPasswordSetAt(deps, id));
  await deps.handler.handle({
    decider: credentials,
    stream: credentialsStreamName(userId),
    metadata,
    command: {
      type: 'SetPassword',
      data: { user_id: userId, password_hash: passwordHash, now: deps.clock().toISOString() },
    },
  });
  await deps.sessions.revokeAllForUser(userId);
  return userId;
}

/**
 * The work behind POST /users/password-reset, done after the 202 went out so that no answer or
 * timing tells whether the email is registered. Known email: a PasswordResetRequested event, which
 * the notifier mails; unknown: nothing is recorded or sent.
 */
export async function requestPasswordReset(deps: Deps, email: string, metadata: CommandMetadata) {
  const found = await lookUpCredentials(deps.handler, deps.store, email);
  if (!found) return false;
  await deps.handler.handle({
    decider: user,
    stream: userStreamName(found.userId),
    metadata,
    command: {
      type: 'RequestPasswordReset',
      data: { user_id: found.userId, now: deps.clock().toISOString() },
    },
  });
  return true;
}

/** REQUIRE_VERIFIED_EMAIL: refuses (403 AUTH_1005) a customer whose email is not verified. */
export async function requireVerifiedEmail(
  deps: Pick<CommandApiContext, 'handler' | 'config'>,
  userId: string,
) {
  if (!deps.config.REQUIRE_VERIFIED_EMAIL) return;
  const { state } = await deps.handler.load(user, userStreamName(userId));
  if (state.status === 'registered' && state.emailVerified) return;
  throw new DomainError(ErrorCode.EmailNotVerified, 'Verify your email address before placing an order');
}

/** GET /users/unsubscribe: the one-click link of a marketing mail; no sign-in, the token says who. */
export async function unsubscribe(deps: Deps, token: string, metadata: CommandMetadata) {
  const userId = await useToken(deps, token, 'unsubscribe', metadata);
  await deps.handler.handle({
    decider: user,
    stream: userStreamName(userId),
    metadata,
    command: {
      type: 'SetMarketingPreference',
      data: {
        user_id: userId,
        marketing_emails: false,
        changed_by: 'unsubscribe_link',
        now: deps.clock().toISOString(),
      },
    },
  });
  return userId;
}
