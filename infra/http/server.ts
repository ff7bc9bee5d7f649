import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
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
  let closing = false;
  // Responses not yet finished, per connection, in order (a pipelining client may have several queued).
  const inFlight = new Map<Socket, ServerResponse[]>();
  const keepAlive = new WeakMap<ServerResponse, boolean>();
  // Once closing, the last response queued on each connection says `Connection: close`, so a keep-alive
  // client sends its next request on a new connection (refused at once) instead of on one we are about
  // to close; requests already queued before it on the same connection are all answered.
  const markLast = (socket: Socket) => {
    const queue = inFlight.get(socket) ?? [];
    queue.forEach((res, i) => {
      if (!res.headersSent)
        res.shouldKeepAlive = i === queue.length - 1 ? false : (keepAlive.get(res) ?? true);
    });
  };
  const server = createServer((req, res) => {
    const socket = req.socket;
    const queue = inFlight.get(socket) ?? [];
    inFlight.set(socket, [...queue, res]);
    keepAlive.set(res, res.shouldKeepAlive);
    res.once('close', () => {
      const left = (inFlight.get(socket) ?? []).filter((r) => r !== res);
      if (left.length === 0) inFlight.delete(socket);
      else inFlight.set(socket, left);
    });
    if (closing) markLast(socket);
    app(req, res);
  });
  // Slow-loris protection: a request must arrive whole within this time.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  // An idle keep-alive connection is closed after this long. Node's 5 s races clients (and load balancers,
  // typically 60 s) that reuse a connection just as the server closes it: "other side closed" on a loaded
  // machine. Longer than the usual load-balancer idle timeout, so the client side always closes first.
  server.keepAliveTimeout = 65_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      closing = true;
      for (const socket of inFlight.keys()) markLast(socket);
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive connections hold close() open until they time out: close each one once it is idle.
      // The sweep runs in the check phase (setImmediate), right after the poll phase has read every
      // socket, so a connection whose next request has already arrived is never taken for idle.
      let sweeping = true;
      const sweep = () => {
        if (!sweeping) return;
        server.closeIdleConnections();
        setTimeout(() => setImmediate(sweep), 50);
      };
      setImmediate(sweep);
      const sweeper = { stop: () => (sweeping = false) };
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
      sweeper.stop();
      await options.onClose?.();
      options.logger.info({ port }, 'server closed');
    })();
    return closed;
  };
  options.logger.info({ host, port }, 'listening');
  return { server, port, url: `http://${host}:${port}`, close };
}
