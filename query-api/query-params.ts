import { z } from 'zod';
import { decimalToMinorUnits } from '../domain/shared/money.ts';

const positiveInt = (max: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1).max(max));

/** page ≥ 1 and 1 ≤ limit ≤ 100; anything else (0, 101, `abc`, repeated) is 400 VAL_2001, never clamped. */
export const pagination = {
  page: positiveInt(1_000_000).default(1),
  limit: positiveInt(100).default(20),
};

const price = z
  .string()
  .regex(/^\d{1,12}(\.\d{1,2})?$/, 'must be an amount such as 19.99')
  .transform((text) => decimalToMinorUnits(text));

export const listProductsQuery = z
  .object({
    ...pagination,
    category: z.string().trim().min(1).max(255).optional(),
    search: z.string().trim().min(1).max(200).optional(),
    min_price: price.optional(),
    max_price: price.optional(),
    sort_by: z.enum(['price_asc', 'price_desc', 'name', 'rating', 'newest']).optional(),
    min_rating: z
      .string()
      .regex(/^[0-5](\.\d{1,2})?$/, 'must be a rating from 0 to 5')
      .transform(Number)
      .pipe(z.number().max(5))
      .optional(),
  })
  .refine((q) => q.min_price === undefined || q.max_price === undefined || q.min_price <= q.max_price, {
    message: 'min_price must not exceed max_price',
    path: ['min_price'],
  });

export const searchQuery = z.object({
  ...pagination,
  q: z.string().trim().min(1, 'must not be empty').max(200),
});
