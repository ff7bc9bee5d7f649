import { z } from 'zod';
import { alreadyExists } from '../shared/errors.ts';

/**
 * Email uniqueness is a stream per normalised email, appended with `no_stream`: the store, not a
 * read model, decides who got there first. The stream is named after a keyed hash (HMAC-SHA256) of the
 * normalised email, never the address; the digest is computed outside the domain (the domain has no
 * crypto). Erasure releases the claim (EmailReleased), so the address may register again.
 */
export const emailStreamCategory = 'useremail';

/** Case-insensitive uniqueness: trim and lowercase, nothing more (no dot or plus folding). */
export const normaliseEmail = (email: string): string => email.trim().toLowerCase();

export const emailStreamName = (digestHex: string): string => {
  if (!/^[0-9a-f]{64}$/.test(digestHex)) throw new Error('emailStreamName expects a 256-bit hex digest');
  return `${emailStreamCategory}-${digestHex}`;
};

/** An email as clients send it: trimmed, at most 254 characters (RFC 5321), a plausible address. */
export const emailSchema = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email())
  .transform(normaliseEmail)
  .describe('Email address; unique, compared case-insensitively');

export const emailClaimedSchema = z
  .object({
    schema_version: z.literal(1),
    user_id: z.string().describe('The user who holds this email'),
    claimed_at: z.string().describe('ISO time of the claim'),
  })
  .describe('EmailClaimed: an email address now belongs to a user (stream useremail-<hmac>)');
export type EmailClaimed = { type: 'EmailClaimed'; data: z.infer<typeof emailClaimedSchema> };

export const emailReleasedSchema = z
  .object({
    schema_version: z.literal(1),
    user_id: z.string().describe('The user who held this email until now (erased)'),
    released_at: z.string().describe('ISO time'),
  })
  .describe('EmailReleased: the holder was erased; the email address is free to register again');
export type EmailReleased = { type: 'EmailReleased'; data: z.infer<typeof emailReleasedSchema> };
export type EmailEvent = EmailClaimed | EmailReleased;

export type ClaimEmail = { type: 'ClaimEmail'; data: { user_id: string; now: string } };
export type ReleaseEmail = { type: 'ReleaseEmail'; data: { user_id: string; now: string } };

export type EmailState = { claimedBy: string | undefined };

/**
 * The email-claim decider: the first claim wins; any later one is "already exists" until the holder
 * is erased and releases it. Releasing by anyone but the holder decides nothing (idempotent).
 */
export const emailClaim = {
  initialState: (): EmailState => ({ claimedBy: undefined }),
  decide(command: ClaimEmail | ReleaseEmail, state: EmailState): EmailEvent[] {
    const { user_id, now } = command.data;
    if (command.type === 'ReleaseEmail') {
      if (state.claimedBy !== user_id) return [];
      return [{ type: 'EmailReleased', data: { schema_version: 1, user_id, released_at: now } }];
    }
    if (state.claimedBy !== undefined) throw alreadyExists('A user with this email');
    return [{ type: 'EmailClaimed', data: { schema_version: 1, user_id, claimed_at: now } }];
  },
  evolve: (_state: EmailState, event: EmailEvent): EmailState => ({
    claimedBy: event.type === 'EmailClaimed' ? event.data.user_id : undefined,
  }),
};
