import { z } from 'zod';
import { emailSchema } from '../../domain/identity/email.ts';
import { userStreamName } from '../../domain/identity/events.ts';
import { passwordSchema } from '../../domain/identity/password-policy.ts';
import { user } from '../../domain/identity/user.ts';
import { ErrorCode, notFound } from '../../domain/shared/errors.ts';
import { HttpError } from '../../infra/http/http-error.ts';
import { admitInRedis } from '../../infra/http/redis-admission.ts';
import type { CommandApiContext } from '../context.ts';
import {
  confirmPasswordReset,
  requestPasswordReset,
  unsubscribe,
  verifyEmail,
} from '../identity/account-lifecycle.ts';
import {
  emailVerifiedResponseSchema,
  preferencesResponseSchema,
  unsubscribedResponseSchema,
} from '../identity/identity-responses.ts';
import { commandMetadata, expectedRevisionFrom, noAppend, setCommandHeaders } from '../request-metadata.ts';
import { type AnyRoute, type RouteModule, route } from '../routing.ts';

const customer = ['customer'] as const;
const tokenText = z.string().min(1).max(512);

/** Account lifecycle (API.md "Account lifecycle and notifications"): verification, reset, preferences. */
export const accountLifecycleRoutes: RouteModule = (ctx: CommandApiContext): AnyRoute[] => {
  const { handler, store, clock } = ctx;
  // The resend limit is an hour's window through the admission script (infra/http/redis-admission.ts), the
  // one rate-limit mechanism; its keys (`rl:verify-resend:<user>`) are the ones the earlier limiter kept.
  const throttleResend = async (userId: string) => {
    const points = ctx.config.VERIFY_RESEND_PER_HOUR;
    if (points <= 0) return;
    const outcome = await admitInRedis(ctx.redis, {
      general: { key: `rl:verify-resend:${userId}`, points, windowSeconds: 3600 },
    });
    if (outcome[0] === 'limited')
      throw new HttpError(ErrorCode.RateLimited, 'Too many verification mails; try again later', {
        headers: { 'Retry-After': String(Math.max(1, Math.ceil(outcome[1] / 1000))) },
      });
  };

  return [
    route({
      method: 'post',
      path: '/users/verify-email',
      response: { status: 200, schema: emailVerifiedResponseSchema },
      access: 'public',
      limit: 'auth',
      body: z.object({ token: tokenText }),
      summary: 'Verify the email address with the token from the verification mail',
      async handle({ body, req, res }) {
        const { userId, result } = await verifyEmail(ctx, body.token, commandMetadata(req));
        await setCommandHeaders(res, store, result);
        return { status: 200, body: { user_id: userId, email_verified: true } };
      },
    }),
    route({
      method: 'post',
      path: '/users/verify-email/resend',
      response: { status: 202 },
      access: customer,
      summary: 'Send the verification mail again (rate limited)',
      async handle({ req, res }) {
        const userId = req.auth!.userId;
        // A malformed If-Match is refused before it spends one of the hour's resends.
        const expectedRevision = expectedRevisionFrom(req);
        await throttleResend(userId);
        const result = await handler.handle({
          decider: user,
          stream: userStreamName(userId),
          metadata: commandMetadata(req),
          expectedRevision,
          command: {
            type: 'RequestEmailVerification',
            data: { user_id: userId, now: clock().toISOString() },
          },
        });
        await setCommandHeaders(res, store, result);
        return { status: 202 };
      },
    }),
    route({
      method: 'post',
      path: '/users/password-reset',
      response: { status: 202 },
      access: 'public',
      limit: 'auth',
      body: z.object({ email: emailSchema }),
      summary: 'Mail a password reset link; 202 whether or not the email is registered',
      async handle({ body, req, res }) {
        const metadata = commandMetadata(req);
        const log = req.log;
        // The answer goes out before the lookup: its timing cannot depend on the email being known.
        void requestPasswordReset(ctx, body.email, metadata).catch((error: unknown) =>
          log.error({ err: error }, 'password reset request failed'),
        );
        await setCommandHeaders(res, store, noAppend);
        return { status: 202 };
      },
    }),
    route({
      method: 'post',
      path: '/users/password-reset/confirm',
      response: { status: 204 },
      access: 'public',
      limit: 'auth',
      body: z.object({ token: tokenText, new_password: passwordSchema }),
      summary: 'Set a new password with the token from the reset mail; every session of the user ends',
      async handle({ body, req, res }) {
        await confirmPasswordReset(ctx, body.token, body.new_password, commandMetadata(req));
        // Every successful command answers a consistency token (API.md): the head, past what it appended.
        await setCommandHeaders(res, store, noAppend);
        return { status: 204 };
      },
    }),
    route({
      method: 'get',
      path: '/users/unsubscribe',
      response: { status: 200, schema: unsubscribedResponseSchema },
      access: 'public',
      limit: 'auth',
      query: z.object({ token: tokenText }),
      summary: 'One-click unsubscribe from marketing mail (the link in a reminder); no sign-in',
      async handle({ query, req, res }) {
        const userId = await unsubscribe(ctx, query.token, commandMetadata(req));
        await setCommandHeaders(res, store, noAppend);
        return { status: 200, body: { user_id: userId, marketing_emails: false } };
      },
    }),
    route({
      method: 'put',
      path: '/users/me/preferences',
      response: { status: 200, schema: preferencesResponseSchema },
      access: customer,
      body: z.object({ marketing_emails: z.boolean() }),
      summary: "Set the caller's marketing mail preference",
      async handle({ body, req, res }) {
        const userId = req.auth!.userId;
        const expectedRevision = expectedRevisionFrom(req);
        const result = await handler.handle({
          decider: user,
          stream: userStreamName(userId),
          metadata: commandMetadata(req),
          expectedRevision,
          command: {
            type: 'SetMarketingPreference',
            data: {
              user_id: userId,
              marketing_emails: body.marketing_emails,
              changed_by: 'customer',
              now: clock().toISOString(),
            },
          },
        });
        if (result.state.status !== 'registered') throw notFound('User', userId);
        await setCommandHeaders(res, store, result);
        return {
          status: 200,
          body: {
            user_id: userId,
            marketing_emails: result.state.marketingEmails,
            email_verified: result.state.emailVerified,
          },
        };
      },
    }),
  ];
};
