import { z } from 'zod';
import { credentials } from '../../domain/identity/credentials.ts';
import { credentialsStreamName } from '../../domain/identity/events.ts';
import { DomainError, ErrorCode } from '../../domain/shared/errors.ts';
import { idOr404 } from '../../infra/http/path-ids.ts';
import type { CommandApiContext } from '../context.ts';
import { forgetAnswersAbout } from '../idempotency.ts';
import { eraseUser } from '../identity/erase-user.ts';
import { erasureResponseSchema } from '../identity/identity-responses.ts';
import { commandMetadata, expectedRevisionFrom, setCommandHeaders } from '../request-metadata.ts';
import { type AnyRoute, type RouteModule, route } from '../routing.ts';

const erasureBody = (erased: { userId: string; erasedAt: string }) => ({
  user_id: erased.userId,
  status: 'erased',
  erased_at: erased.erasedAt,
});

/** Personal data (API.md "Personal data"): erasure by the user (with the password) or by an admin. */
export const personalDataRoutes: RouteModule = (ctx: CommandApiContext): AnyRoute[] => {
  const { handler, hasher } = ctx;
  const erasure = { ...ctx, forgetAnswersAbout: (userId: string) => forgetAnswersAbout(ctx.redis, userId) };
  return [
    route({
      method: 'delete',
      path: '/users/me',
      response: { status: 202, schema: erasureResponseSchema },
      access: ['customer'],
      body: z.object({ password: z.string().min(1).max(1024) }),
      summary: "Erase the caller's personal data (crypto-shredding); the password confirms it",
      async handle({ body, req, res }) {
        const userId = req.auth!.userId;
        const held = await handler.load(credentials, credentialsStreamName(userId));
        const hash = held.state.passwordHash;
        const ok = hash ? await hasher.verify(hash, body.password) : await hasher.verifyDummy(body.password);
        if (!ok || !hash) throw new DomainError(ErrorCode.InvalidCredentials, 'Invalid email or password');
        const erased = await eraseUser(
          erasure,
          userId,
          { userId, role: req.auth!.role },
          commandMetadata(req),
          expectedRevisionFrom(req),
        );
        await setCommandHeaders(res, ctx.store, erased);
        return { status: 202, body: erasureBody(erased) };
      },
    }),
    route({
      method: 'delete',
      path: '/users/:user_id',
      response: { status: 202, schema: erasureResponseSchema },
      access: ['admin'],
      params: z.object({ user_id: z.string() }),
      summary: "Erase a user's personal data (admin)",
      async handle({ params, req, res }) {
        const erased = await eraseUser(
          erasure,
          idOr404('user', params.user_id, 'User'),
          { userId: req.auth!.userId, role: req.auth!.role },
          commandMetadata(req),
          expectedRevisionFrom(req),
        );
        await setCommandHeaders(res, ctx.store, erased);
        return { status: 202, body: erasureBody(erased) };
      },
    }),
  ];
};
