import autocannon from 'autocannon';

export type LoadResult = {
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
};

/**
 * GETs at `connections` connections for `seconds`; each connection walks its own slice of `paths` with its
 * own headers (`headersFor(connection, n)`), so the load spreads over many rows.
 */
export async function load(options: {
  url: string;
  connections: number;
  seconds: number;
  paths: (connection: number, n: number) => string;
  headersFor?: (connection: number, n: number) => Record<string, string>;
}): Promise<LoadResult> {
  let connection = 0;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    setupClient(client) {
      const c = connection++;
      let n = 0;
      client.setRequests([
        {
          method: 'GET',
          setupRequest(request) {
            const i = n++;
            return { ...request, path: options.paths(c, i), headers: options.headersFor?.(c, i) ?? {} };
          },
        },
      ]);
    },
  });
  const ok = result.requests.total - result.non2xx;
  return {
    requests: result.requests.total,
    perSecond: ok / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}
