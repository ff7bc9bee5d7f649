import { z } from 'zod';

/**
 * The password policy of API.md, checked at the HTTP edge before hashing (the domain only ever sees
 * the hash). One definition, used by register and by the bootstrap admin.
 */
export const passwordSchema = z
  .string()
  .min(8, 'at least 8 characters')
  .max(128, 'at most 128 characters')
  .regex(/[A-Z]/, 'needs an upper-case letter')
  .regex(/[a-z]/, 'needs a lower-case letter')
  .regex(/[0-9]/, 'needs a digit')
  .regex(/[^A-Za-z0-9]/, 'needs a special character')
  .describe('8..128 characters with upper, lower, digit and special character');
