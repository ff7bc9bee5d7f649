import type { Role } from './roles.ts';

/** Commands of the identity context. Time (`now`, ISO) and new ids arrive inside the data. */
export type RegisterUser = {
  type: 'RegisterUser';
  data: {
    user_id: string;
    /** Already normalised (normaliseEmail). */
    email: string;
    first_name: string;
    last_name: string;
    phone?: string | null;
    role: Role;
    now: string;
  };
};

export type ChangeProfile = {
  type: 'ChangeProfile';
  data: {
    user_id: string;
    first_name?: string;
    last_name?: string;
    /** null removes the phone number. */
    phone?: string | null;
    now: string;
  };
};

export type GrantRole = {
  type: 'GrantRole';
  data: {
    user_id: string;
    role: Role;
    /** Who asks, and with which role: only an admin may grant. */
    actor_id: string;
    actor_role: Role;
    now: string;
  };
};

/** The password hash arrives already hashed (argon2id, at the edge); a plain password never enters. */
export type SetPassword = {
  type: 'SetPassword';
  data: { user_id: string; password_hash: string; now: string };
};

/** Erasure: by the user themself (the edge checked the password) or by an admin. */
export type EraseUser = {
  type: 'EraseUser';
  data: { user_id: string; actor_id: string; actor_role: Role; now: string };
};

export type UserCommand = RegisterUser | ChangeProfile | GrantRole | EraseUser;
export type CredentialsCommand = SetPassword;
