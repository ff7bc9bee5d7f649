import { z } from 'zod';
import { emailClaimedSchema, emailReleasedSchema } from './email.ts';
import { roleSchema } from './roles.ts';

/** E.164: a plus, a non-zero country digit, up to 15 digits in all. */
export const phoneSchema = z
  .string()
  .regex(/^\+[1-9]\d{1,14}$/, 'must be E.164, e.g. +14155550123')
  .describe('Phone number in E.164 format');

/** What a personal field reads as once its owner is erased (docs/privacy.md). */
export const ERASED = '[erased]';
/** A stored phone: E.164, or the erased marker after erasure. */
const storedPhone = phoneSchema.or(z.literal(ERASED));

export const personNameSchema = z.string().trim().min(1, 'must not be empty').max(100);

export const userRegisteredSchema = z
  .object({
    schema_version: z.literal(1),
    user_id: z.string().describe('usr_ id'),
    email: z.string().describe('Normalised (trimmed, lower-case) email'),
    first_name: z.string(),
    last_name: z.string(),
    phone: storedPhone.nullable(),
    role: roleSchema,
    registered_at: z.string().describe('ISO time'),
  })
  .describe('UserRegistered: a user account exists (stream user-<user_id>); never holds a password hash');

export const userProfileChangedSchema = z
  .object({
    schema_version: z.literal(1),
    user_id: z.string(),
    first_name: z.string().optional().describe('Present when changed'),
    last_name: z.string().optional().describe('Present when changed'),
    phone: storedPhone.nullable().optional().describe('Present when changed; null removes it'),
    changed_at: z.string().describe('ISO time'),
  })
  .describe('UserProfileChanged: the fields present changed to these values');

export const userRoleGrantedSchema = z
  .object({
    schema_version: z.literal(1),
    user_id: z.string(),
    role: roleSchema.describe('The role the user holds from now on'),
    previous_role: roleSchema,
    granted_by: z.string().describe('The admin who granted it (usr_ id, or "system" for the bootstrap)'),
    granted_at: z.string().describe('ISO time'),
  })
  .describe('UserRoleGranted: an admin changed the role of a user');

/**
 * Credentials live in their own stream (`credentials-<user_id>`) so that the user stream, every
 * projection, the audit listing and the Kafka publisher can be kept away from password hashes by
 * stream name and event type.
 */
export const passwordSetSchema = z
  .object({
    schema_version: z.literal(1),
    user_id: z.string(),
    password_hash: z.string().describe('argon2id PHC string; SECRET, never exposed'),
    set_at: z.string().describe('ISO time'),
  })
  .describe('PasswordSet: the password hash of a user (stream credentials-<user_id>); secret');

export const userErasedSchema = z
  .object({
    schema_version: z.literal(1),
    user_id: z.string(),
    erased_by: z.string().describe('Who asked: the user themself or an admin (usr_ id)'),
    erased_at: z.string().describe('ISO time'),
  })
  .describe(
    'UserErased: the user\'s personal data key is destroyed; every personal field of theirs reads "[erased]" from now on',
  );

export type UserRegistered = { type: 'UserRegistered'; data: z.infer<typeof userRegisteredSchema> };
export type UserProfileChanged = {
  type: 'UserProfileChanged';
  data: z.infer<typeof userProfileChangedSchema>;
};
export type UserRoleGranted = { type: 'UserRoleGranted'; data: z.infer<typeof userRoleGrantedSchema> };
export type PasswordSet = { type: 'PasswordSet'; data: z.infer<typeof passwordSetSchema> };
export type UserErased = { type: 'UserErased'; data: z.infer<typeof userErasedSchema> };

export type UserEvent = UserRegistered | UserProfileChanged | UserRoleGranted | UserErased;
export type CredentialsEvent = PasswordSet;

/** Every identity event type and its schema. */
export const identityEventSchemas = {
  UserRegistered: userRegisteredSchema,
  UserProfileChanged: userProfileChangedSchema,
  UserRoleGranted: userRoleGrantedSchema,
  EmailClaimed: emailClaimedSchema,
  EmailReleased: emailReleasedSchema,
  PasswordSet: passwordSetSchema,
  UserErased: userErasedSchema,
} as const;

/** Streams of the user aggregate are `user-<user_id>`. */
export const identityStreamCategory = 'user';
export const credentialsStreamCategory = 'credentials';

export const userStreamName = (userId: string) => `${identityStreamCategory}-${userId}`;
export const credentialsStreamName = (userId: string) => `${credentialsStreamCategory}-${userId}`;

/** Event types and streams no projection, audit listing or publisher may expose. */
export const secretEventTypes = ['PasswordSet'] as const;
export const secretStreamPrefixes = [`${credentialsStreamCategory}-`] as const;
