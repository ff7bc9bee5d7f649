/** A small JSON client for the command API, retrying what a seed run should ride out (429, 503, resets). */
export type ApiResponse = { status: number; body: unknown; headers: Headers };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    what: string,
  ) {
    super(`${what} → ${status} ${JSON.stringify(body)}`);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createApiClient(baseUrl: string) {
  async function send(
    method: string,
    path: string,
    options: { body?: unknown; token?: string; idempotencyKey?: string } = {},
  ): Promise<ApiResponse> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        const res = await fetch(`${baseUrl}/api/v1${path}`, {
          method,
          headers: {
            ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
            ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}),
          },
          ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        });
        const text = await res.text();
        const body = text ? (JSON.parse(text) as unknown) : undefined;
        if ((res.status === 429 || res.status === 503) && attempt < 20) {
          const retryAfter = Number(res.headers.get('retry-after') ?? '1');
          await sleep(Math.min(60, Number.isFinite(retryAfter) ? retryAfter : 1) * 1000);
          continue;
        }
        return { status: res.status, body, headers: res.headers };
      } catch (error) {
        if (attempt >= 5) throw error;
        await sleep(200 * 2 ** attempt);
      }
    }
  }

  /** Sends and demands one of the expected statuses. */
  async function expect(
    expected: readonly number[],
    method: string,
    path: string,
    options: Parameters<typeof send>[2] = {},
  ) {
    const res = await send(method, path, options);
    if (!expected.includes(res.status)) throw new ApiError(res.status, res.body, `${method} ${path}`);
    return res;
  }

  return { send, expect };
}

export type ApiClient = ReturnType<typeof createApiClient>;

/** Runs `work(i)` for i in [0, n) with at most `concurrency` at once; calls `progress` every `every` items. */
export async function forEachConcurrently(
  n: number,
  concurrency: number,
  work: (i: number) => Promise<void>,
  progress?: (done: number) => void,
  every = 500,
) {
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (;;) {
      const i = next;
      next += 1;
      if (i >= n) return;
      await work(i);
      done += 1;
      if (progress && done % every === 0) progress(done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
}
