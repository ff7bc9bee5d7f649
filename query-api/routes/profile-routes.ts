import { type Router as ExpressRouter, Router } from 'express';
import type { UserState } from '../../domain/identity/user.ts';
import { ErrorCode, notFound } from '../../domain/shared/errors.ts';
import { requireRole } from '../../infra/http/auth.ts';
import { HttpError } from '../../infra/http/http-error.ts';
import { redisPrefix } from '../../projections/runner/types.ts';
import { userKey } from '../../projections/users/users-projection.ts';
import type { RouteContext } from '../app.ts';
import { consistency } from '../consistency.ts';

/** GET /users/me: the caller's profile with verification, tier and marketing preference. */
export const profileRoutes = (context: RouteContext): ExpressRouter => {
  const router = Router();
  router.get(
    '/users/me',
    context.authenticate,
    requireRole('customer'),
    consistency(context.watcher, ['users'], context.consistencyWaitMs),
    async (req, res) => {
      const serving = context.watcher.state('users');
      if (!serving)
        throw new HttpError(ErrorCode.DependencyUnavailable, 'Read model users is not available yet', {
          headers: { 'Retry-After': '1' },
        });
      const userId = req.auth!.userId;
      const raw = await context.redis.hget(redisPrefix('users', serving.generation) + userKey(userId), 'doc');
      const state = raw ? (JSON.parse(raw) as UserState) : undefined;
      if (state?.status !== 'registered') throw notFound('User', userId);
      res.json({
        user_id: state.userId,
        email: state.email,
        first_name: state.firstName,
        last_name: state.lastName,
        phone: state.phone,
        role: state.role,
        email_verified: state.emailVerified ?? false,
        tier: (state as { tier?: string }).tier ?? 'none',
        marketing_emails: state.marketingEmails ?? false,
      });
    },
  );
  return router;
};
