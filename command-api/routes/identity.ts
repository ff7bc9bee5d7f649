import { z } from 'zod';
import { emailSchema, normaliseEmail } from '../../domain/identity/email.ts';
import { personNameSchema, phoneSchema, userStreamName } from '../../domain/identity/events.ts';
import { passwordSchema } from '../../domain/identity/password-policy.ts';
import { roleSchema } from '../../domain/identity/roles.ts';
import { type UserProfile, user } from '../../domain/identity/user.ts';
import { customerTierDecider, customerTierStream } from '../../domain/pricing/customer-tier.ts';
import { DomainError, ErrorCode, notFound } from '../../domain/shared/errors.ts';
import type { UserId } from '../../domain/shared/ids.ts';
import { CART_TOKEN_HEADER, cartTokenFrom } from '../../infra/http/cart-token.ts';
import { idOr404 } from '../../infra/http/path-ids.ts';
import { mergeGuestCart } from '../cart/guest-merge.ts';
import type { CommandApiContext } from '../context.ts';
import { lookUpCredentials } from '../identity/credentials-lookup.ts';
import {
  profileResponseSchema,
  registeredResponseSchema,
  sessionResponseSchema,
  updatedProfileResponseSchema,
} from '../identity/identity-responses.ts';
import { registerUser } from '../identity/register-user.ts';
import { commandMetadata, expectedRevisionFrom, noAppend, setCommandHeaders } from '../request-metadata.ts';
import { type AnyRoute, type RouteModule, route } from '../routing.ts';

const profileBody = (p: UserProfile) => ({
  user_id: p.userId,
  email: p.email,
  first_name: p.firstName,
  last_name: p.lastName,
  phone: p.phone,
  role: p.role,
  created_at: p.registeredAt,
});

const invalidCredentials = () => new DomainError(ErrorCode.InvalidCredentials, 'Invalid email or password');

const registerSchema = z.object({
  email: emailSchema,
  password: passwordSchema,
  first_name: personNameSchema,
  last_name: personNameSchema,
  phone: phoneSchema.optional(),
});
// Login checks the shape only: telling a client that an address is malformed would not leak
// anything, but the policy must not be re-checked against passwords set under an older policy.
const loginSchema = z.object({
  email: z.string().trim().min(1).max(254).transform(normaliseEmail),
  password: z.string().min(1).max(1024),
});
/**
 * A guest's cart to merge at login (API.md "Guest carts"). Any string passes here: a malformed token is
 * the handler's 401 AUTH_1003 (cartTokenFrom), not a 400, as on the cart routes.
 */
const loginHeaders = z.object({
  [CART_TOKEN_HEADER]: z
    .string()
    .optional()
    .meta({
      param: {
        description:
          "A guest's cart token (the X-Cart-Token of a guest cart's answer): a customer's login merges that cart; malformed is 401 AUTH_1003.",
      },
    }),
});
const refreshSchema = z.object({ refresh_token: z.string().min(1).max(4096) });
const profileSchema = z
  .object({
    first_name: personNameSchema.optional(),
    last_name: personNameSchema.optional(),
    phone: phoneSchema.nullable().optional(),
  })
  .refine((b) => b.first_name !== undefined || b.last_name !== undefined || b.phone !== undefined, {
    message: 'send at least one of first_name, last_name, phone',
  });

/** Identity (API.md "command-api: Identity"): register, login, refresh, logout, profile, roles. */
export const identityRoutes: RouteModule = (ctx: CommandApiContext): AnyRoute[] => {
  const { handler, tokens, sessions, hasher, clock, store } = ctx;

  async function session(userId: string, family?: string) {
    const { state } = await handler.load(user, userStreamName(userId));
    if (state.status !== 'registered') return undefined;
    // The tier lives on its own stream (domain/pricing); additive on the login answer's user.
    const { tier } = (await handler.load(customerTierDecider, customerTierStream(userId as UserId))).state;
    return {
      profile: state,
      tier,
      pair: tokens.issuePair({ userId, role: state.role, ...(family ? { family } : {}) }),
    };
  }
  const sessionBody = (s: NonNullable<Awaited<ReturnType<typeof session>>>) => ({
    access_token: s.pair.accessToken,
    refresh_token: s.pair.refreshToken,
    token_type: 'Bearer',
    expires_in: s.pair.expiresIn,
    user: {
      user_id: s.profile.userId,
      email: s.profile.email,
      first_name: s.profile.firstName,
      last_name: s.profile.lastName,
      role: s.profile.role,
      tier: s.tier,
    },
  });

  return [
    route({
      method: 'post',
      path: '/users/register',
      response: { status: 201, schema: registeredResponseSchema },
      access: 'public',
      limit: 'auth',
      body: registerSchema,
      summary: 'Register a customer account',
      async handle({ body, req, res }) {
        const registered = await registerUser(
          ctx,
          {
            userId: ctx.ids('user'),
            email: body.email,
            firstName: body.first_name,
            lastName: body.last_name,
            phone: body.phone,
            role: 'customer',
            password: body.password,
          },
          commandMetadata(req),
        );
        await setCommandHeaders(res, store, registered);
        return {
          status: 201,
          headers: { Location: `/api/v1/users/${registered.profile.userId}` },
          body: { ...profileBody(registered.profile), verification_required: true },
        };
      },
    }),
    route({
      method: 'post',
      path: '/users/login',
      response: { status: 200, schema: sessionResponseSchema },
      idempotent: false, // credentials: never stored or replayed (docs/hardening.md)
      access: 'public',
      limit: 'auth',
      body: loginSchema,
      headers: loginHeaders,
      summary:
        'Exchange email and password for an access and a refresh token; with X-Cart-Token, merge that guest cart',
      async handle({ body, headers, req, res }) {
        // A malformed cart token is refused before anything else happens (401 AUTH_1003).
        const cartToken = cartTokenFrom(headers[CART_TOKEN_HEADER]);
        const found = await lookUpCredentials(handler, store, body.email);
        // Unknown email: spend the same argon2 time on a dummy hash, so timing tells nothing.
        if (!found) {
          await hasher.verifyDummy(body.password);
          throw invalidCredentials();
        }
        if (!(await hasher.verify(found.passwordHash, body.password))) throw invalidCredentials();
        const started = await session(found.userId);
        if (!started) throw invalidCredentials();
        // Merged before the session starts: a merge that fails answers an error and leaves no session
        // behind that the client never received.
        if (cartToken !== undefined && started.profile.role === 'customer')
          await mergeGuestCart(ctx, cartToken, found.userId as UserId, commandMetadata(req));
        await sessions.start(started.pair.refresh);
        // API.md: every successful command carries one (the merged cart is read with it).
        await setCommandHeaders(res, store, noAppend);
        return { status: 200, body: sessionBody(started) };
      },
    }),
    route({
      method: 'post',
      path: '/users/refresh',
      response: { status: 200, schema: sessionResponseSchema },
      idempotent: false, // credentials: never stored or replayed (docs/hardening.md)
      access: 'public',
      body: refreshSchema,
      summary: 'Rotate a refresh token: a new pair; the old refresh token is spent',
      async handle({ body, req, res }) {
        const claims = tokens.verifyRefresh(body.refresh_token);
        const next = await session(claims.sub, claims.fam);
        if (!next) throw new DomainError(ErrorCode.TokenInvalid, 'Invalid token');
        const outcome = await sessions.rotate(claims, next.pair.refresh);
        if (outcome === 'reused')
          req.log.warn({ user_id: claims.sub }, 'refresh token reuse: every session of the user revoked');
        if (outcome !== 'rotated') throw new DomainError(ErrorCode.TokenInvalid, 'Refresh token revoked');
        await setCommandHeaders(res, store, noAppend);
        return { status: 200, body: sessionBody(next) };
      },
    }),
    route({
      method: 'post',
      path: '/users/logout',
      response: { status: 204 },
      idempotent: false, // credentials: never stored or replayed (docs/hardening.md)
      access: 'authenticated',
      summary: 'Revoke the access token and its refresh family at once',
      async handle({ req, res }) {
        await sessions.revokeSession(req.auth!.claims);
        await setCommandHeaders(res, store, noAppend);
        return { status: 204 };
      },
    }),
    route({
      method: 'put',
      path: '/users/profile',
      response: { status: 200, schema: updatedProfileResponseSchema },
      access: 'authenticated',
      body: profileSchema,
      summary: "Change the caller's profile",
      async handle({ body, req, res }) {
        const userId = req.auth!.userId;
        const expectedRevision = expectedRevisionFrom(req);
        const result = await handler.handle({
          decider: user,
          stream: userStreamName(userId),
          metadata: commandMetadata(req),
          expectedRevision,
          command: { type: 'ChangeProfile', data: { user_id: userId, ...body, now: clock().toISOString() } },
        });
        if (result.state.status !== 'registered') throw notFound('User', userId);
        await setCommandHeaders(res, store, result);
        return { status: 200, body: { ...profileBody(result.state), updated_at: clock().toISOString() } };
      },
    }),
    route({
      method: 'post',
      path: '/users/:user_id/roles',
      response: { status: 200, schema: profileResponseSchema },
      access: ['admin'],
      params: z.object({ user_id: z.string() }),
      body: z.object({ role: roleSchema }),
      summary: 'Grant a role to a user (admin)',
      async handle({ body, params, req, res }) {
        idOr404('user', params.user_id, 'User');
        const expectedRevision = expectedRevisionFrom(req);
        const result = await handler.handle({
          decider: user,
          stream: userStreamName(params.user_id),
          metadata: commandMetadata(req),
          expectedRevision,
          command: {
            type: 'GrantRole',
            data: {
              user_id: params.user_id,
              role: body.role,
              actor_id: req.auth!.userId,
              actor_role: req.auth!.role,
              now: clock().toISOString(),
            },
          },
        });
        if (result.state.status !== 'registered') throw notFound('User', params.user_id);
        await setCommandHeaders(res, store, result);
        return { status: 200, body: profileBody(result.state) };
      },
    }),
  ];
};
