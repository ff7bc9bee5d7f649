import { z } from 'zod';

/** Fields many response bodies share, described once so the OpenAPI documents say the same thing everywhere. */
export const money = z.number().describe('money: a number with two decimals (integer minor units inside)');
export const instant = z.string().describe('ISO 8601 timestamp');
export const currency = z.string().describe('ISO 4217 code, e.g. USD');

/** API.md's `pagination` of every paged list. */
export const paginationSchema = z
  .object({
    page: z.number().int(),
    limit: z.number().int(),
    total_items: z.number().int(),
    total_pages: z.number().int(),
  })
  .meta({ id: 'Pagination' });
