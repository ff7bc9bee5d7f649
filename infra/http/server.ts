import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Logger } from '../logger.ts';

export type RunningServer = {
  server: Server;
  port: number;
  url: string;
  /** Stops accepting, lets in-flight requests finish (up to the timeout), then runs onClose. */
  close(): Promise<void>;
};

export async function listen(
  app: Express,
  options: {
    port: number;
    host?: string;
    logger: Logger;
    shutdownTimeoutMs?: number;
    /** Closes what the app holds (pools, clients), after the last request finished. */
    onClose?: () => Promise<void>;
  },
): Promise<RunningServer> {
  const server = createServer(app);
  // Slow-loris protection: a request must arrive whole within this time.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive connections hold close() open until they time out: close each one as soon as
      // its request in flight has been answered.
      server.closeIdleConnections();
      const sweeper = setInterval(() => server.closeIdleConnections(), 50);
      const timeout = options.shutdownTimeoutMs ?? 10_000;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeout);
      });
      if ((await Promise.race([drained, timedOut])) === 'timeout') {
        options.logger.warn({ timeout_ms: timeout }, 'shutdown timeout: closing remaining connections');
        server.closeAllConnections();
        await drained;
      }
      clearTimeout(timer);
      clearInterval(sweeper);
      await options.onClose?.();
      options.logger.info({ port }, 'server closed');
    })();
    return closing;
  };
  options.logger.info({ host, port }, 'listening');
  return { server, port, url: `http://${host}:${port}`, close };
}
