import { z } from 'zod';
import { alreadyExists } from '../shared/errors.ts';

/**
 * Email uniqueness is a stream per normalised email, appended with `no_stream`: the store, not a
 * read model, decides who got there first. The stream is named after the SHA-256 of the normalised
 * email; the digest is computed outside the domain (the domain has no crypto).
 */
export const emailStreamCategory = 'useremail';

/** Case-insensitive uniqueness: trim and lowercase, nothing more (no dot or plus folding). */
export const normaliseEmail = (email: string): string => email.trim().toLowerCase();

export const emailStreamName = (digestHex: string): string => {
  if (!/^[0-9a-f]{64}$/.test(digestHex)) throw new Error('emailStreamName expects a sha256 hex digest');
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
  .describe('EmailClaimed: an email address now belongs to a user (stream useremail-<sha256>)');
export type EmailClaimed = { type: 'EmailClaimed'; data: z.infer<typeof emailClaimedSchema> };

export type ClaimEmail = { type: 'ClaimEmail'; data: { user_id: string; now: string } };

export type EmailState = { claimedBy: string | undefined };

/** The email-claim decider: the first claim wins; any later one is "already exists". */
export const emailClaim = {
  initialState: (): EmailState => ({ claimedBy: undefined }),
  decide(command: ClaimEmail, state: EmailState): EmailClaimed[] {
    if (state.claimedBy !== undefined) throw alreadyExists('A user with this email');
    return [
      {
        type: 'EmailClaimed',
        data: { schema_version: 1, user_id: command.data.user_id, claimed_at: command.data.now },
      },
    ];
  },
  evolve: (_state: EmailState, event: EmailClaimed): EmailState => ({ claimedBy: event.data.user_id }),
};
