import { createPricingReadModel } from '../../application/read-models/pricing-read-model.ts';
import { notFound } from '../../domain/shared/errors.ts';
import { meResponseSchema } from '../account-responses.ts';
import { servingSchema } from '../consistency.ts';
import type { RouteContext } from '../route-context.ts';
import { type AnyQueryRoute, route } from '../routing.ts';
import { userProfile } from '../user-queries.ts';

/** GET /users/me: the caller's profile with verification, tier and marketing preference. */
export const profileRoutes = (context: RouteContext): AnyQueryRoute[] => {
  const pricing = createPricingReadModel(context.db);
  return [
    route({
      method: 'get',
      path: '/users/me',
      access: ['customer'],
      reads: ['users', 'pricing'],
      response: { status: 200, schema: meResponseSchema },
      summary: "The caller's profile: verification, tier, marketing preference",
      async handle({ req }) {
        const userId = req.auth!.userId;
        const row = await userProfile(context.db, servingSchema(context.watcher, 'users'), userId);
        if (!row || row.erased) throw notFound('User', userId);
        return {
          status: 200,
          body: {
            user_id: row.user_id,
            email: row.email,
            first_name: row.first_name,
            last_name: row.last_name,
            phone: row.phone,
            role: row.role,
            email_verified: row.email_verified,
            tier: await pricing.tierOf(servingSchema(context.watcher, 'pricing'), userId),
            marketing_emails: row.marketing_emails,
          },
        };
      },
    }),
  ];
};
