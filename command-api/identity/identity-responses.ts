import { z } from 'zod';
import { roleSchema } from '../../domain/identity/roles.ts';
import { tierSchema } from '../../domain/pricing/tiers.ts';
import { instant } from '../../infra/http/response-fields.ts';

/** A user's profile as the identity routes answer (profileBody in routes/identity.ts). */
export const profileResponseSchema = z
  .object({
    user_id: z.string(),
    email: z.string(),
    first_name: z.string(),
    last_name: z.string(),
    phone: z.string().nullable(),
    role: roleSchema,
    created_at: instant,
  })
  .meta({ id: 'UserProfile' });

export const registeredResponseSchema = profileResponseSchema
  .extend({ verification_required: z.literal(true) })
  .meta({ id: 'RegisteredUser' });

export const updatedProfileResponseSchema = profileResponseSchema
  .extend({ updated_at: instant })
  .meta({ id: 'UpdatedProfile' });

/** POST /users/login and /users/refresh: a token pair and who it is for. */
export const sessionResponseSchema = z
  .object({
    access_token: z.string(),
    refresh_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int().describe('seconds the access token lives'),
    user: z.object({
      user_id: z.string(),
      email: z.string(),
      first_name: z.string(),
      last_name: z.string(),
      role: roleSchema,
      tier: tierSchema,
    }),
  })
  .meta({ id: 'Session' });

export const emailVerifiedResponseSchema = z.object({ user_id: z.string(), email_verified: z.literal(true) });
export const unsubscribedResponseSchema = z.object({
  user_id: z.string(),
  marketing_emails: z.literal(false),
});
export const preferencesResponseSchema = z.object({
  user_id: z.string(),
  marketing_emails: z.boolean(),
  email_verified: z.boolean(),
});
export const tierResponseSchema = z.object({ user_id: z.string(), tier: tierSchema });

/** DELETE /users/me and /users/{user_id}: the erasure, done (202). */
export const erasureResponseSchema = z
  .object({ user_id: z.string(), status: z.literal('erased'), erased_at: instant })
  .meta({ id: 'Erasure' });
