import { z } from 'zod';
import { instant } from '../../infra/http/response-fields.ts';

/** A review as reviewBody (routes/reviews.ts) answers submit, edit and hide. */
export const reviewResponseSchema = z
  .object({
    review_id: z.string(),
    product_id: z.string(),
    user_id: z.string(),
    rating: z.number().int(),
    title: z.string(),
    body: z.string(),
    verified_purchase: z.boolean(),
    status: z.enum(['published', 'hidden']),
    created_at: instant,
    updated_at: instant,
  })
  .meta({ id: 'Review' });
