// autocannon ships no types and @types/autocannon is not installed: just what the benchmark uses.
declare module 'autocannon' {
  type Histogram = { p50: number; p99: number; average: number; max: number };
  type RawRequest = {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
  };
  type Request = RawRequest & {
    setupRequest?: (request: RawRequest, context: Record<string, unknown>) => RawRequest;
  };
  type Client = { setRequests(requests: Request[]): void };
  type Options = {
    url: string;
    connections?: number;
    duration?: number;
    setupClient?: (client: Client) => void;
  };
  type Result = {
    duration: number;
    latency: Histogram;
    requests: Histogram & { total: number };
    non2xx: number;
    errors: number;
    timeouts: number;
    statusCodeStats?: Record<string, { count: number | string }>;
  };
  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}
