import { createHash, randomBytes } from 'node:crypto';
import { DomainError, ErrorCode } from '../../domain/shared/errors.ts';
import { type GuestId, makeId } from '../../domain/shared/ids.ts';

/** The header carrying a guest's cart token (API.md "Guest carts and cart lifetime"). */
export const CART_TOKEN_HEADER = 'X-Cart-Token';

/** `gct_` and 32 random bytes in base64url: unguessable, and never a user id. */
const TOKEN_PATTERN = /^gct_[A-Za-z0-9_-]{43}$/;

export const newCartToken = () => `gct_${randomBytes(32).toString('base64url')}`;

/**
 * The guest cart's owner id: a hash of the token, so the log, the read model and Kafka never hold the
 * token itself (whoever reads them cannot open the cart).
 */
export const guestIdFor = (token: string): GuestId =>
  makeId('guest', createHash('sha256').update(token).digest('hex'));

/** 401 AUTH_1003 for a cart token that is not one, or not (or no longer) a guest cart. */
export const invalidCartToken = () => new DomainError(ErrorCode.TokenInvalid, 'Invalid cart token');

/** The token from the header, undefined when absent; 401 AUTH_1003 when malformed. */
export function cartTokenFrom(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (!TOKEN_PATTERN.test(header)) throw invalidCartToken();
  return header;
}
