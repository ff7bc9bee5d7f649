import { z } from 'zod';
import { roleSchema } from '../domain/identity/roles.ts';
import { orderStatuses } from '../domain/ordering/events.ts';
import { tierSchema } from '../domain/pricing/tiers.ts';
import { orderBodySchema } from '../infra/http/order-schema.ts';
import { currency, instant, money, paginationSchema } from '../infra/http/response-fields.ts';

/** What the caller's own routes answer: profile, orders, the personal data export. */

export const meResponseSchema = z
  .object({
    user_id: z.string(),
    email: z.string(),
    first_name: z.string(),
    last_name: z.string(),
    phone: z.string().nullable(),
    role: roleSchema,
    email_verified: z.boolean(),
    tier: tierSchema,
    marketing_emails: z.boolean(),
  })
  .meta({ id: 'Me' });

export const orderListSchema = z.object({
  orders: z.array(
    z.object({
      order_id: z.string(),
      user_id: z.string(),
      status: z.enum(orderStatuses),
      total: money,
      currency,
      item_count: z.number().int(),
      created_at: instant,
    }),
  ),
  pagination: paginationSchema,
});

const ownEvent = z.object({
  stream: z.string(),
  revision: z.string(),
  type: z.string(),
  recorded_at: instant,
  data: z.unknown(),
});

/** GET /users/me/data (personal-data-export.ts): everything held about the caller, decrypted. */
export const personalDataSchema = z.object({
  user_id: z.string(),
  exported_at: instant,
  profile: z.union([
    z.object({
      email: z.string(),
      first_name: z.string(),
      last_name: z.string(),
      phone: z.string().nullable(),
      role: roleSchema,
      created_at: instant,
    }),
    z.object({ status: z.string() }),
  ]),
  addresses: z.array(z.unknown()),
  orders: z.array(orderBodySchema),
  cart: z.object({ items: z.array(z.unknown()) }),
  reviews: z.array(z.unknown()),
  consents: z.array(z.unknown()),
  events: z.array(ownEvent),
});
