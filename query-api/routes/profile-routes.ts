import { type Router as ExpressRouter, Router } from 'express';
import { notFound } from '../../domain/shared/errors.ts';
import { requireRole } from '../../infra/http/auth.ts';
import { createPricingReadModel } from '../../projections/pricing/pricing-read-model.ts';
import { userProfile } from '../../projections/users/users-projection.ts';
import { consistency, servingSchema } from '../consistency.ts';
import type { RouteContext } from '../route-context.ts';

/** GET /users/me: the caller's profile with verification, tier and marketing preference. */
export const profileRoutes = (context: RouteContext): ExpressRouter => {
  const router = Router();
  const pricing = createPricingReadModel(context.db);
  router.get(
    '/users/me',
    context.authenticate,
    requireRole('customer'),
    consistency(context.watcher, ['users', 'pricing'], context.consistencyWaitMs),
    async (req, res) => {
      const userId = req.auth!.userId;
      const row = await userProfile(context.db, servingSchema(context.watcher, 'users'), userId);
      if (!row || row.erased) throw notFound('User', userId);
      res.json({
        user_id: row.user_id,
        email: row.email,
        first_name: row.first_name,
        last_name: row.last_name,
        phone: row.phone,
        role: row.role,
        email_verified: row.email_verified,
        tier: await pricing.tierOf(servingSchema(context.watcher, 'pricing'), userId),
        marketing_emails: row.marketing_emails,
      });
    },
  );
  return router;
};
