import { type ApiClient, ApiError } from './client.ts';
import { createRng, type Rng } from './prng.ts';

/** Items per second since `since`. */
export const rate = (done: number, since: number) =>
  Math.round(done / Math.max((Date.now() - since) / 1000, 0.001));

/** A progress line every 10 % of `n`, but at least every `most` items. */
export const progressStep = (n: number, most: number) => Math.max(1, Math.min(most, Math.ceil(n / 10)));

/** A PRNG per (seed, purpose, index): the first N products are the same whatever `--products` says. */
export const rngFor = (seed: number, purpose: number, index: number) =>
  createRng((seed * 2_654_435_761 + purpose * 40_503 + index * 97) >>> 0);

export const body = (res: { body: unknown }) => res.body as Record<string, unknown>;
export const isCode = (error: unknown, code: string) =>
  error instanceof ApiError && JSON.stringify(error.body).includes(`"${code}"`);

/** Logs in; access tokens live 15 minutes, so the admin's is renewed every 10. */
export function tokenKeeper(client: ApiClient, email: string, password: string) {
  let token: { value: string; at: number } | undefined;
  return async () => {
    if (!token || Date.now() - token.at > 10 * 60_000) {
      const res = await client.expect([200], 'POST', '/users/login', { body: { email, password } });
      token = { value: String(body(res).access_token), at: Date.now() };
    }
    return token.value;
  };
}

/**
 * A confirmed order's later life, as a shop sees it: now and then cancelled by the customer, or else often
 * processed, then maybe shipped and delivered by an admin. Returns the status it ends in.
 */
export async function advanceOrder(
  client: ApiClient,
  order: {
    orderId: string;
    status: string;
    rng: Rng;
    customer: string;
    admin: string;
    key: (what: string) => string;
    tracking: () => string;
  },
): Promise<string> {
  const { orderId, rng, key } = order;
  let status = order.status;
  if (status === 'confirmed' && rng.chance(0.06)) {
    await client.expect([200], 'POST', `/orders/${orderId}/cancel`, {
      body: { reason: 'Ordered the wrong size' },
      token: order.customer,
      idempotencyKey: key(`cancel-${orderId}`),
    });
    status = 'cancelled';
  } else if (status === 'confirmed' && rng.chance(0.5)) {
    for (const [action, next, payload] of [
      ['process', 'processing', undefined],
      ['ship', 'shipped', { tracking_number: order.tracking() }],
      ['deliver', 'delivered', undefined],
    ] as const) {
      await client.expect([200], 'POST', `/orders/${orderId}/${action}`, {
        ...(payload ? { body: payload } : {}),
        token: order.admin,
        idempotencyKey: key(`${action}-${orderId}`),
      });
      status = next;
      if (!rng.chance(0.6)) break;
    }
  }
  return status;
}
