import { listen, type RunningServer } from '../infra/http/server.ts';
import { type CommandApiOptions, createCommandApi } from './app.ts';

/**
 * Starts the command API on COMMAND_API_PORT (or `port`). close(): stop accepting, finish the
 * requests in flight, then close the store and Redis unless `keepDependencies` (they are shared with
 * other roles in the same process).
 */
export async function startCommandApi(
  options: CommandApiOptions & {
    port?: number;
    host?: string;
    keepDependencies?: boolean;
    shutdownTimeoutMs?: number;
  },
): Promise<RunningServer> {
  const app = createCommandApi(options);
  return listen(app, {
    port: options.port ?? options.config.COMMAND_API_PORT,
    host: options.host ?? options.config.HOST,
    logger: options.logger.child({ service: 'command-api' }),
    ...(options.shutdownTimeoutMs !== undefined ? { shutdownTimeoutMs: options.shutdownTimeoutMs } : {}),
    onClose: async () => {
      if (options.keepDependencies) return;
      await options.store.close();
      await options.redis.quit().catch(() => options.redis.disconnect());
    },
  });
}

export { bootstrapAdmin } from './identity/bootstrap-admin.ts';
