import { identityEventSchemas } from '../../domain/identity/events.ts';
import { userLifecycleEventSchemas } from '../../domain/identity/lifecycle-events.ts';
import { type AnyUserEvent, type UserState, user } from '../../domain/identity/user.ts';
import type { RedisProjection } from '../runner/types.ts';

/** Key of a user's profile document (below the generation prefix): the folded UserState. */
export const userKey = (userId: string) => `user:${userId}`;

const userEventTypes = [
  'UserRegistered',
  'UserProfileChanged',
  'UserRoleGranted',
  ...Object.keys(userLifecycleEventSchemas),
] as const;

/**
 * Profiles per user in Redis for GET /users/me: the user aggregate's own fold, so the read model cannot
 * drift from what the command side decides on. Never credentials (another stream, never subscribed).
 */
export const usersProjection: RedisProjection = {
  kind: 'redis',
  name: 'users',
  eventTypes: userEventTypes,
  async apply(event, docs) {
    const schemas = { ...identityEventSchemas, ...userLifecycleEventSchemas } as Record<
      string,
      { parse: (data: unknown) => unknown }
    >;
    const data = schemas[event.type]!.parse(event.data) as { user_id: string };
    const domainEvent = { type: event.type, data } as AnyUserEvent;
    await docs.update<UserState>(userKey(data.user_id), (current) =>
      user.evolve(current ?? user.initialState(), domainEvent),
    );
  },
};
