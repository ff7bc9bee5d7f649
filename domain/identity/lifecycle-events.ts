import { z } from 'zod';

/** Events of the account lifecycle on the user stream (`user-<user_id>`). */
export const emailVerificationRequestedSchema = z
  .object({
    schema_version: z.literal(1),
    user_id: z.string(),
    requested_at: z.string().describe('ISO time'),
  })
  .describe('EmailVerificationRequested: the customer asked for another verification mail');

export const emailVerifiedSchema = z
  .object({
    schema_version: z.literal(1),
    user_id: z.string(),
    verified_at: z.string().describe('ISO time'),
  })
  .describe('EmailVerified: the customer proved they receive mail at their address');

export const passwordResetRequestedSchema = z
  .object({
    schema_version: z.literal(1),
    user_id: z.string(),
    requested_at: z.string().describe('ISO time'),
  })
  .describe('PasswordResetRequested: someone asked for a reset link for this account (mailed to its owner)');

export const marketingPreferenceChangedSchema = z
  .object({
    schema_version: z.literal(1),
    user_id: z.string(),
    marketing_emails: z.boolean().describe('Whether the customer accepts marketing mail (cart reminders)'),
    changed_by: z.enum(['customer', 'unsubscribe_link']).describe('How the choice was made'),
    changed_at: z.string().describe('ISO time'),
  })
  .describe('MarketingPreferenceChanged: the customer opted in to or out of marketing mail');

export type EmailVerificationRequested = {
  type: 'EmailVerificationRequested';
  data: z.infer<typeof emailVerificationRequestedSchema>;
};
export type EmailVerified = { type: 'EmailVerified'; data: z.infer<typeof emailVerifiedSchema> };
export type PasswordResetRequested = {
  type: 'PasswordResetRequested';
  data: z.infer<typeof passwordResetRequestedSchema>;
};
export type MarketingPreferenceChanged = {
  type: 'MarketingPreferenceChanged';
  data: z.infer<typeof marketingPreferenceChangedSchema>;
};
export type UserLifecycleEvent =
  | EmailVerificationRequested
  | EmailVerified
  | PasswordResetRequested
  | MarketingPreferenceChanged;

export const userLifecycleEventSchemas = {
  EmailVerificationRequested: emailVerificationRequestedSchema,
  EmailVerified: emailVerifiedSchema,
  PasswordResetRequested: passwordResetRequestedSchema,
  MarketingPreferenceChanged: marketingPreferenceChangedSchema,
} as const;

export type RequestEmailVerification = {
  type: 'RequestEmailVerification';
  data: { user_id: string; now: string };
};
export type VerifyEmail = { type: 'VerifyEmail'; data: { user_id: string; now: string } };
export type RequestPasswordReset = { type: 'RequestPasswordReset'; data: { user_id: string; now: string } };
export type SetMarketingPreference = {
  type: 'SetMarketingPreference';
  data: {
    user_id: string;
    marketing_emails: boolean;
    changed_by: 'customer' | 'unsubscribe_link';
    now: string;
  };
};
export type UserLifecycleCommand =
  | RequestEmailVerification
  | VerifyEmail
  | RequestPasswordReset
  | SetMarketingPreference;
