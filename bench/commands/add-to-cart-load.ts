import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';

export type CartLoadOptions = {
  url: string;
  /** One set of customer tokens per connection, so no two connections write the same cart. */
  tokensPerConnection: string[][];
  productIds: string[];
  durationSeconds: number;
};

export type CartLoadResult = {
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
  mean: number;
  non2xx: number;
  errors: number;
  statusCodes: Record<string, number>;
};

/**
 * POST /cart/add at `tokensPerConnection.length` concurrent connections. Each connection rotates
 * over its own customers and over the products, one unit per request, each with its own Idempotency-Key, so lines grow slowly (the
 * 99-per-line limit is far away) and carts stay small, as a shopper's would.
 */
export async function runAddToCart(options: CartLoadOptions): Promise<CartLoadResult> {
  let connection = 0;
  const result = await autocannon({
    url: options.url,
    connections: options.tokensPerConnection.length,
    duration: options.durationSeconds,
    setupClient(client) {
      const tokens = options.tokensPerConnection[connection++ % options.tokensPerConnection.length] ?? [];
      let n = 0;
      client.setRequests([
        {
          method: 'POST',
          path: '/api/v1/cart/add',
          setupRequest(request) {
            const token = tokens[n % tokens.length];
            const productId = options.productIds[Math.floor(n / tokens.length) % options.productIds.length];
            n++;
            return {
              ...request,
              // A client retrying safely sends a fresh key with every new add, as the API asks of it.
              headers: {
                'content-type': 'application/json',
                authorization: `Bearer ${token}`,
                'idempotency-key': randomUUID(),
              },
              body: JSON.stringify({ product_id: productId, quantity: 1 }),
            };
          },
        },
      ]);
    },
  });
  const statusCodes = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([code, stats]) => [code, Number(stats.count)]),
  );
  const requests = Object.values(statusCodes).reduce((sum, count) => sum + count, 0);
  return {
    requests,
    perSecond: requests / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    mean: result.latency.average,
    non2xx: result.non2xx,
    errors: result.errors,
    statusCodes,
  };
}

/** GET `path` at `connections` connections: the HTTP floor of the same server (no auth, no store). */
export async function runGet(options: {
  url: string;
  path: string;
  connections: number;
  durationSeconds: number;
}) {
  const result = await autocannon({
    url: `${options.url}${options.path}`,
    connections: options.connections,
    duration: options.durationSeconds,
  });
  return {
    perSecond: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
  };
}
