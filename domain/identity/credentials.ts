import type { Decider } from '../shared/decider.ts';
import { invalid } from '../shared/errors.ts';
import type { CredentialsCommand } from './commands.ts';
import type { CredentialsEvent } from './events.ts';

export type CredentialsState = { passwordHash: string | undefined };

// A plain password must never be recorded: only an argon2id PHC string is accepted.
const argon2idHash = /^\$argon2id\$v=\d+\$[a-z]=\d+(?:,[a-z]=\d+)*\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

/** The credentials of one user (stream `credentials-<user_id>`): the password hash, nothing else. */
export const credentials: Decider<CredentialsCommand, CredentialsEvent, CredentialsState> = {
  initialState: () => ({ passwordHash: undefined }),
  decide(command) {
    const { data } = command;
    if (!argon2idHash.test(data.password_hash)) throw invalid('password', 'not an argon2id hash');
    return [
      {
        type: 'PasswordSet',
        data: {
          schema_version: 1,
          user_id: data.user_id,
          password_hash: data.password_hash,
          set_at: data.now,
        },
      },
    ];
  },
  evolve: (_state, event) => ({ passwordHash: event.data.password_hash }),
};
