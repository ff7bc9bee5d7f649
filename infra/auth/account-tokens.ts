import { createHash, randomBytes } from 'node:crypto';
import { accountTokenStreamName } from '../../domain/identity/account-token.ts';

/** 32 random bytes, base64url: 256 bits, unguessable, safe in a URL. */
export const newAccountToken = (): string => randomBytes(32).toString('base64url');

const tokenShape = /^[A-Za-z0-9_-]{43}$/;
export const looksLikeAccountToken = (token: string) => tokenShape.test(token);

/** The stream of a token: named after its SHA-256, so the store never holds the token itself. */
export const accountTokenStream = (token: string) =>
  accountTokenStreamName(createHash('sha256').update(token).digest('hex'));
