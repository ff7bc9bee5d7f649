import { z } from 'zod';

const flag = z
  .enum(['true', 'false', '1', '0', ''])
  .default('false')
  .transform((v) => v === 'true' || v === '1');
const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === '' ? undefined : value));

/** Environment of the account lifecycle, the notifier and cart lifetime (docs/operations.md). */
export const lifecycleConfig = {
  /** POST /orders refuses a customer whose email is not verified (403 AUTH_1005). */
  REQUIRE_VERIFIED_EMAIL: flag,
  /** smtp://user:pass@host:port or smtps://…; unset: mail is written as .eml files under MAIL_DIR. */
  SMTP_URL: optionalText,
  MAIL_DIR: z.string().default('var/mail'),
  MAIL_FROM: z.string().default('Shop <no-reply@shop.local>'),
  /** Where the links in mail point (the shop's web front end). */
  PUBLIC_BASE_URL: z.string().url().default('http://127.0.0.1:3001'),
  /** Verification resends per customer per hour (429 RATE_4291 beyond). */
  VERIFY_RESEND_PER_HOUR: z.coerce.number().int().min(0).default(5),
  NOTIFIER_MAX_EVENT_AGE_HOURS: z.coerce.number().positive().default(72),
  GUEST_CART_TTL_DAYS: z.coerce.number().positive().default(7),
  CART_TTL_DAYS: z.coerce.number().positive().default(30),
  /** Hours after a customer's last cart change before the reminder; fractions allowed (tests). */
  ABANDONED_CART_AFTER_HOURS: z.coerce.number().positive().default(24),
};
