import { z } from 'zod';

/** The roles of API.md; a user holds exactly one. */
export const roles = ['customer', 'admin', 'auditor'] as const;
export const roleSchema = z.enum(roles).describe('The user role: customer, admin or auditor');
export type Role = z.infer<typeof roleSchema>;
