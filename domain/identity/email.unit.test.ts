import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../shared/errors.ts';
import { given } from '../shared/given.ts';
import { type ClaimEmail, emailClaim, emailSchema, emailStreamName, normaliseEmail } from './email.ts';
import { passwordSchema } from './password-policy.ts';

const claim = (user_id: string): ClaimEmail => ({
  type: 'ClaimEmail',
  data: { user_id, now: '2026-01-15T10:30:00.000Z' },
});

describe('email uniqueness', () => {
  it('normalises by trimming and lower-casing', () => {
    expect(normaliseEmail('  Ada.Lovelace@Example.COM ')).toBe('ada.lovelace@example.com');
    expect(emailSchema.parse(' Ada@Example.com')).toBe('ada@example.com');
  });

  it('names the stream after the digest and refuses anything else', () => {
    const digest = 'a'.repeat(64);
    expect(emailStreamName(digest)).toBe(`useremail-${digest}`);
    expect(() => emailStreamName('ada@example.com')).toThrow();
  });

  it('lets the first claim win', () => {
    given(emailClaim)()
      .when(claim('usr_1'))
      .thenEvents([
        {
          type: 'EmailClaimed',
          data: { schema_version: 1, user_id: 'usr_1', claimed_at: '2026-01-15T10:30:00.000Z' },
        },
      ]);
  });

  it('refuses a second claim', () => {
    const [claimed] = given(emailClaim)().when(claim('usr_1')).events();
    given(emailClaim)(claimed!).when(claim('usr_2')).thenThrows(ErrorCode.AlreadyExists);
  });

  it('refuses what is not an email', () => {
    for (const bad of ['', 'ada', 'ada@', '@example.com', `${'a'.repeat(250)}@x.io`])
      expect(emailSchema.safeParse(bad).success, bad).toBe(false);
  });
});

describe('password policy', () => {
  it('accepts a password with upper, lower, digit and special character, 8..128 long', () => {
    expect(passwordSchema.safeParse('Secret#123').success).toBe(true);
    expect(passwordSchema.safeParse(`Aa1!${'x'.repeat(124)}`).success).toBe(true);
  });

  it.each([
    ['too short', 'Sec#12a'],
    ['too long', `Aa1!${'x'.repeat(125)}`],
    ['no upper', 'secret#123'],
    ['no lower', 'SECRET#123'],
    ['no digit', 'Secret#abc'],
    ['no special', 'Secret1234'],
  ])('refuses a password with %s', (_why, password) => {
    expect(passwordSchema.safeParse(password).success).toBe(false);
  });
});
