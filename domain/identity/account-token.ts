import { z } from 'zod';
import type { Decider } from '../shared/decider.ts';
import { unreachable } from '../shared/decider.ts';
import { alreadyExists, DomainError, ErrorCode } from '../shared/errors.ts';

/**
 * A single-use account token (email verification, password reset). The stream is named after the
 * SHA-256 of the token (`accounttoken-<hex>`), so the store holds only the hash: whoever can read the
 * log cannot use a token. The token itself exists only in the mail that carries it. The digest is
 * computed outside the domain (the domain has no crypto).
 */
export const accountTokenStreamCategory = 'accounttoken';
export const accountTokenStreamName = (digestHex: string): string => {
  if (!/^[0-9a-f]{64}$/.test(digestHex))
    throw new Error('accountTokenStreamName expects a sha256 hex digest');
  return `${accountTokenStreamCategory}-${digestHex}`;
};

export const tokenPurposes = ['verify_email', 'password_reset', 'unsubscribe'] as const;
export type TokenPurpose = (typeof tokenPurposes)[number];

export const accountTokenIssuedSchema = z
  .object({
    schema_version: z.literal(1),
    user_id: z.string(),
    purpose: z.enum(tokenPurposes),
    issued_for: z.string().describe('Id of the event the token was mailed for'),
    issued_at: z.string().describe('ISO time'),
    expires_at: z.string().describe('ISO time; 24 hours after issued_at (90 days for unsubscribe)'),
  })
  .describe('AccountTokenIssued: a single-use token was mailed (stream accounttoken-<sha256 of the token>)');

export const accountTokenUsedSchema = z
  .object({ schema_version: z.literal(1), user_id: z.string(), used_at: z.string().describe('ISO time') })
  .describe('AccountTokenUsed: the token was spent; it never works again');

export type AccountTokenIssued = {
  type: 'AccountTokenIssued';
  data: z.infer<typeof accountTokenIssuedSchema>;
};
export type AccountTokenUsed = { type: 'AccountTokenUsed'; data: z.infer<typeof accountTokenUsedSchema> };
export type AccountTokenEvent = AccountTokenIssued | AccountTokenUsed;
export const accountTokenEventSchemas = {
  AccountTokenIssued: accountTokenIssuedSchema,
  AccountTokenUsed: accountTokenUsedSchema,
} as const;

export const TOKEN_VALIDITY_MS = 24 * 60 * 60 * 1000;
/** An unsubscribe link must keep working long after the mail arrived. */
const UNSUBSCRIBE_VALIDITY_MS = 90 * TOKEN_VALIDITY_MS;

export type IssueAccountToken = {
  type: 'IssueAccountToken';
  data: { user_id: string; purpose: TokenPurpose; issued_for: string; now: string };
};
export type UseAccountToken = {
  type: 'UseAccountToken';
  data: {
    purpose: TokenPurpose;
    now: string;
    /** A reset token is void once the password changed after it was issued (another reset, say). */
    password_set_at?: string | undefined;
  };
};
export type AccountTokenCommand = IssueAccountToken | UseAccountToken;

export type AccountTokenState =
  | { status: 'none' }
  | { status: 'issued' | 'used'; userId: string; purpose: TokenPurpose; issuedAt: string; expiresAt: string };

// One refusal for unknown, used, or for another purpose: the caller learns nothing about which.
const invalidToken = () => new DomainError(ErrorCode.TokenInvalid, 'Invalid or used token');

function decide(command: AccountTokenCommand, state: AccountTokenState): AccountTokenEvent[] {
  switch (command.type) {
    case 'IssueAccountToken': {
      if (state.status !== 'none') throw alreadyExists('Token');
      const { data } = command;
      const validity = data.purpose === 'unsubscribe' ? UNSUBSCRIBE_VALIDITY_MS : TOKEN_VALIDITY_MS;
      const expires = new Date(Date.parse(data.now) + validity).toISOString();
      return [
        {
          type: 'AccountTokenIssued',
          data: {
            schema_version: 1,
            user_id: data.user_id,
            purpose: data.purpose,
            issued_for: data.issued_for,
            issued_at: data.now,
            expires_at: expires,
          },
        },
      ];
    }
    case 'UseAccountToken': {
      const { data } = command;
      if (state.status !== 'issued' || state.purpose !== data.purpose) throw invalidToken();
      if (Date.parse(data.now) >= Date.parse(state.expiresAt))
        throw new DomainError(ErrorCode.TokenExpired, 'Token expired');
      if (data.password_set_at && Date.parse(data.password_set_at) > Date.parse(state.issuedAt))
        throw invalidToken();
      return [
        { type: 'AccountTokenUsed', data: { schema_version: 1, user_id: state.userId, used_at: data.now } },
      ];
    }
    default:
      return unreachable(command);
  }
}

function evolve(state: AccountTokenState, event: AccountTokenEvent): AccountTokenState {
  switch (event.type) {
    case 'AccountTokenIssued':
      return {
        status: 'issued',
        userId: event.data.user_id,
        purpose: event.data.purpose,
        issuedAt: event.data.issued_at,
        expiresAt: event.data.expires_at,
      };
    case 'AccountTokenUsed':
      return state.status === 'none' ? state : { ...state, status: 'used' };
    default:
      return unreachable(event);
  }
}

/** The account-token decider: issued once, used once, within 24 hours, for its own purpose. */
export const accountToken: Decider<AccountTokenCommand, AccountTokenEvent, AccountTokenState> = {
  decide,
  evolve,
  initialState: () => ({ status: 'none' }),
};
