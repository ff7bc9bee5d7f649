import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../shared/errors.ts';
import { given } from '../shared/given.ts';
import type { SetPassword } from './commands.ts';
import { credentials } from './credentials.ts';

const hash = '$argon2id$v=19$m=65536,p=4,t=3$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNo';
const setPassword = (password_hash: string): SetPassword => ({
  type: 'SetPassword',
  data: { user_id: 'usr_1', password_hash, now: '2026-01-15T10:30:00.000Z' },
});

describe('credentials', () => {
  it('records an argon2id hash', () => {
    given(credentials)()
      .when(setPassword(hash))
      .thenEvents([
        {
          type: 'PasswordSet',
          data: {
            schema_version: 1,
            user_id: 'usr_1',
            password_hash: hash,
            set_at: '2026-01-15T10:30:00.000Z',
          },
        },
      ]);
  });

  it('refuses anything that is not an argon2id hash, so a plain password is never recorded', () => {
    given(credentials)().when(setPassword('Secret#123')).thenThrows(ErrorCode.ValidationFailed);
    given(credentials)()
      .when(setPassword(hash.replace('argon2id', 'argon2i')))
      .thenThrows(ErrorCode.ValidationFailed);
  });

  it('holds the newest hash', () => {
    const newer = hash.replace('c2FsdHNhbHRzYWx0', 'bmV3c2FsdG5ld3NhbHQ');
    const [first] = given(credentials)().when(setPassword(hash)).events();
    const [second] = given(credentials)().when(setPassword(newer)).events();
    expect(given(credentials)(first!, second!).state().passwordHash).toBe(newer);
  });
});
