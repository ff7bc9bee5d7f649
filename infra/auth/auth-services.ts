import type { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import { type Authenticator, createAuthenticator } from './authenticator.ts';
import { type JwtKeys, resolveJwtKeys } from './jwt-keys.ts';
import { createSessions, type Sessions } from './sessions.ts';
import { createTokenService, REFRESH_TTL_SECONDS, type TokenService } from './tokens.ts';

export type AuthServices = {
  keys: JwtKeys;
  tokens: TokenService;
  sessions: Sessions;
  authenticator: Authenticator;
};

/**
 * Tokens, sessions and the bearer authenticator, wired from configuration. Both APIs build theirs
 * with this; pass the same `keys` to both when they run in one process with a generated
 * development secret, so that a token from one is valid on the other.
 */
export function createAuthServices(options: {
  config: {
    NODE_ENV: string;
    JWT_SECRET?: string | undefined;
    JWT_PRIVATE_KEY?: string | undefined;
    JWT_PUBLIC_KEY?: string | undefined;
  };
  redis: Redis;
  clock?: () => Date;
  logger?: Logger;
  keys?: JwtKeys;
}): AuthServices {
  const clock = options.clock ?? (() => new Date());
  const keys = options.keys ?? resolveJwtKeys(options.config, options.logger);
  const tokens = createTokenService({ keys, clock });
  const sessions = createSessions({ redis: options.redis, clock, refreshTtlSeconds: REFRESH_TTL_SECONDS });
  return { keys, tokens, sessions, authenticator: createAuthenticator({ tokens, sessions }) };
}
