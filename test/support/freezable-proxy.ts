import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { redisUrl } from './isolation.ts';

/**
 * A TCP proxy (to Redis, or to the server of `targetUrl`) whose open connections can be frozen (nothing
 * passes, and nothing closes), or made to answer every write with an error reply of the proxy's own
 * instead of passing it on.
 */
export const freezableProxy = async (targetUrl = redisUrl) => {
  const target = new URL(targetUrl);
  const pairs: [Socket, Socket][] = [];
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end).pipe(upstream);
    upstream.on('error', end).on('close', end).pipe(client);
    pairs.push([client, upstream]);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    /** The target's URL through the proxy (same database, user). */
    url: Object.assign(new URL(targetUrl), { hostname: '127.0.0.1', port: String(port) }).href,
    connections: () => pairs.length,
    freeze: () => {
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream).pause();
        upstream.unpipe(client).pause();
      }
    },
    /** Until the returned function is called, each write from a client is answered `-<reply>`. */
    answerWith: (reply: string) => {
      const answer = (client: Socket) => () => void client.write(`-${reply}\r\n`);
      const answering = pairs.map(([client, upstream]) => {
        client.unpipe(upstream);
        const onData = answer(client);
        client.on('data', onData).resume(); // unpipe left it paused
        return () => {
          client.off('data', onData);
          client.pipe(upstream);
        };
      });
      return () => {
        for (const restore of answering) restore();
      };
    },
    close: async () => {
      for (const pair of pairs) for (const socket of pair) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
};
