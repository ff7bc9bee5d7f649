import type { Redis } from 'ioredis';
import { listen, type RunningServer } from '../infra/http/server.ts';
import { type CommandApiOptions, commandApiContext, createCommandApi } from './app.ts';
import { bootstrapAdmin } from './identity/bootstrap-admin.ts';

/**
 * Starts the command API on COMMAND_API_PORT (or `port`), after creating the bootstrap admin when
 * BOOTSTRAP_ADMIN_EMAIL/PASSWORD are set (idempotent). close(): stop accepting, finish the requests
 * in flight, then close the store and Redis unless `keepDependencies` (they are shared with other
 * roles in the same process).
 */
export async function startCommandApi(
  options: CommandApiOptions & {
    port?: number;
    host?: string;
    keepDependencies?: boolean;
    shutdownTimeoutMs?: number;
  },
): Promise<RunningServer> {
  // Every line of this API (requests, bootstrap, handlers) says which service wrote it, as the query API's do.
  const logger = options.logger.child({ service: 'command-api' });
  const context = options.context ?? commandApiContext({ ...options, logger });
  const { BOOTSTRAP_ADMIN_EMAIL: email, BOOTSTRAP_ADMIN_PASSWORD: password } = options.config;
  if (email && password) await bootstrapAdmin(context, { email, password });
  const app = createCommandApi({ ...options, logger, context });
  return listen(app, {
    port: options.port ?? options.config.COMMAND_API_PORT,
    host: options.host ?? options.config.HOST,
    logger,
    ...(options.shutdownTimeoutMs !== undefined ? { shutdownTimeoutMs: options.shutdownTimeoutMs } : {}),
    onClose: async () => {
      await context.views?.close();
      if (options.keepDependencies) return;
      await options.store.close();
      await closeRedis(options.redis);
    },
  });
}

/** QUIT, and wait (briefly) until the connection has really ended. */
async function closeRedis(redis: Redis) {
  if (redis.status === 'end') return;
  const ended = new Promise<void>((resolve) => {
    redis.once('end', () => resolve());
    setTimeout(resolve, 1000).unref();
  });
  await redis.quit().catch(() => redis.disconnect());
  await ended;
}

export { bootstrapAdmin };
