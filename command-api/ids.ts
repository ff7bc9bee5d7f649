import { randomBytes } from 'node:crypto';
import { type IdKind, idPrefixes } from '../domain/shared/ids.ts';

/** Random prefixed ids: 16 random bytes, URL-safe (`usr_Q2x…`). */
export const randomIds = (kind: IdKind): string =>
  `${idPrefixes[kind]}_${randomBytes(16).toString('base64url')}`;
