import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../domain/shared/errors.ts';
import { isId } from '../../domain/shared/ids.ts';
import { cartTokenFrom, guestIdFor, newCartToken } from './cart-token.ts';

describe('guest cart tokens', () => {
  it('are gct_ and 32 random bytes, each new one different', () => {
    const tokens = new Set(Array.from({ length: 50 }, newCartToken));
    expect(tokens.size).toBe(50);
    for (const token of tokens) expect(cartTokenFrom(token)).toBe(token);
  });

  it('name their cart by a hash: a stable guest id that does not contain the token', () => {
    const token = newCartToken();
    const owner = guestIdFor(token);
    expect(isId('guest', owner)).toBe(true);
    expect(owner).toBe(guestIdFor(token));
    expect(owner).not.toContain(token.slice(4));
    expect(guestIdFor(newCartToken())).not.toBe(owner);
  });

  it('an absent header is no token; anything malformed is 401 AUTH_1003', () => {
    expect(cartTokenFrom(undefined)).toBeUndefined();
    for (const bad of [
      '',
      'gct_',
      'usr_abc',
      `gct_${'a'.repeat(42)}`,
      `gct_${'a'.repeat(44)}`,
      `gct_${'+'.repeat(43)}`,
    ])
      expect(() => cartTokenFrom(bad)).toThrow(expect.objectContaining({ code: ErrorCode.TokenInvalid }));
  });
});
