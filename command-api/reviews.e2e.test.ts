import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, answer, commandClient, invalid, queryClient } from '../test/api-client/clients.ts';
import type { components } from '../test/api-client/command-api.d.ts';
import {
  createProduct,
  lateSandboxPayments,
  refused,
  type ShopApi,
  startShopApi,
} from './catalog/e2e-fixtures.ts';
import { startReadSideFor } from './catalog/read-side-e2e-fixtures.ts';
import { signUp } from './test-support.ts';

let api: ShopApi;
let read: Awaited<ReturnType<typeof startReadSideFor>>;
let bought: string;
let notDelivered: string;
let other: Awaited<ReturnType<typeof signUp>>;
const address = {
  street: '1 Main St',
  city: 'Springfield',
  state: 'IL',
  postal_code: '62701',
  country: 'US',
};

// Both APIs through the clients generated from their documents; every answer is checked against its
// route's declared schema (test/api-client/response-check.ts).
type Schemas = components['schemas'];
const as = (token: string) => commandClient(api.http.url, token);
const submit = (product_id: string, token: string, body: Schemas['postProductsProductIdReviewsBody']) =>
  answer(as(token).POST('/api/v1/products/{product_id}/reviews', { params: { path: { product_id } }, body }));
const edit = (review_id: string, token: string, body: Schemas['putReviewsReviewIdBody']) =>
  answer(as(token).PUT('/api/v1/reviews/{review_id}', { params: { path: { review_id } }, body }));
const hide = (review_id: string, token: string, body: Schemas['postReviewsReviewIdHideBody']) =>
  answer(as(token).POST('/api/v1/reviews/{review_id}/hide', { params: { path: { review_id } }, body }));
const remove = (review_id: string, token: string) =>
  answer(as(token).DELETE('/api/v1/reviews/{review_id}', { params: { path: { review_id } } }));
/** The query API, once the projections have caught up with every write so far. */
const query = async () => ({ client: queryClient(read.query.http.url), headers: await read.caughtUp() });
const reviewsOf = async (product_id: string, q: { sort?: 'newest' } = {}) => {
  const { client, headers } = await query();
  return answer(
    client.GET('/api/v1/products/{product_id}/reviews', {
      params: { path: { product_id }, query: q },
      headers,
    }),
  );
};
const productsWhere = async (q: { search?: string; sort_by?: 'rating'; min_rating?: string }) => {
  const { client, headers } = await query();
  return answer(client.GET('/api/v1/products', { params: { query: q }, headers }));
};
const productOf = async (product_id: string) => {
  const { client, headers } = await query();
  return answer(client.GET('/api/v1/products/{product_id}', { params: { path: { product_id } }, headers }));
};
async function expectRefused<R extends Answer<unknown>>(
  request: () => Promise<R>,
  status: number,
  code: string,
) {
  const { response, appended } = await refused(api, request);
  const body = response.body as { error?: { code?: string } } | undefined;
  expect({ status: response.status, code: body?.error?.code }).toEqual({ status, code });
  expect(appended).toBe(false);
}
/** The customer buys the product; the admin moves the order as far as `until`. */
async function buy(productId: string, until: 'confirmed' | 'delivered') {
  const token = api.customer.accessToken;
  const me = as(token);
  const added = await answer(me.POST('/api/v1/cart/add', { body: { product_id: productId, quantity: 1 } }));
  expect(added.status).toBe(200);
  const order = await answer(
    me.POST('/api/v1/orders', {
      body: {
        shipping_address: address,
        billing_address: address,
        payment_method: { type: 'card', token: 'tok_visa' },
      },
    }),
  );
  expect(order.status).toBe(201);
  if (until !== 'delivered') return;
  const admin = as(api.adminToken);
  const path = { params: { path: { order_id: order.body.order_id } } };
  for (const moved of [
    () => admin.POST('/api/v1/orders/{order_id}/process', path),
    () => admin.POST('/api/v1/orders/{order_id}/ship', { ...path, body: { tracking_number: '1Z999' } }),
    () => admin.POST('/api/v1/orders/{order_id}/deliver', path),
  ])
    expect((await answer(moved())).status).toBe(200);
}

const sandbox = lateSandboxPayments();

beforeAll(async () => {
  api = await startShopApi('reviews_e2e', { payments: sandbox.payments });
  await sandbox.attach(api.db.url);
  read = await startReadSideFor(api);
  bought = (await createProduct(api.http, api.adminToken, { name: 'Lamp', initial_stock: 10 })).product_id;
  notDelivered = (await createProduct(api.http, api.adminToken, { name: 'Chair', initial_stock: 10 }))
    .product_id;
  await createProduct(api.http, api.adminToken, { name: 'Unrated Lamp Shade', initial_stock: 10 });
  await buy(bought, 'delivered');
  await buy(notDelivered, 'confirmed');
  other = await signUp(api.http);
});
afterAll(async () => {
  await read?.close();
  await sandbox.close();
  await api?.close();
});

const review = { rating: 4, title: 'Bright and sturdy', body: 'Lights the whole desk.' };

describe('reviews and ratings through both APIs', () => {
  it('refuses bad input and non-buyers, each with its code, appending nothing', async () => {
    const me = api.customer.accessToken;
    for (const rating of [0, 6, 3.5])
      await expectRefused(() => submit(bought, me, { ...review, rating }), 400, 'VAL_2001');
    await expectRefused(() => submit(bought, me, { ...review, title: '' }), 400, 'VAL_2001');
    await expectRefused(() => submit(bought, me, invalid({ title: 'x' })), 400, 'VAL_2002');
    await expectRefused(() => submit(bought, other.accessToken, review), 403, 'BIZ_4008');
    await expectRefused(() => submit(notDelivered, me, review), 403, 'BIZ_4008');
    await expectRefused(() => submit('prd_nope', me, review), 404, 'RES_3001');
    await expectRefused(() => submit(bought, api.adminToken, review), 403, 'AUTH_1004');
  });

  it('publishes a verified review once; the summary, rating and count follow', async () => {
    const created = await submit(bought, api.customer.accessToken, review);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      review_id: expect.stringMatching(/^rev_/),
      product_id: bought,
      user_id: api.customer.userId,
      ...review,
      verified_purchase: true,
      status: 'published',
      created_at: expect.any(String),
    });
    await expectRefused(() => submit(bought, api.customer.accessToken, review), 409, 'RES_3002');
    const listed = await reviewsOf(bought);
    expect(listed.body.rating_summary).toEqual({
      average: 4,
      count: 1,
      distribution: { '1': 0, '2': 0, '3': 0, '4': 1, '5': 0 },
    });
    expect(listed.body.reviews).toEqual([
      // The author's first name and last initial (registered as Test User), decrypted for the listing.
      expect.objectContaining({ review_id: created.body.review_id, rating: 4, author_name: 'Test U.' }),
    ]);
    // Anyone reads the listing: the author's name, never beside their user id.
    expect(listed.body.reviews[0]).not.toHaveProperty('user_id');
    expect(listed.body.pagination).toEqual({ page: 1, limit: 20, total_items: 1, total_pages: 1 });
    const lamps = await productsWhere({ search: 'lamp', sort_by: 'rating' });
    expect(lamps.body.products[0]).toMatchObject({ product_id: bought, rating: 4, reviews_count: 1 });
    const rated = await productsWhere({ min_rating: '4' });
    expect(rated.body.products.map((p) => p.product_id)).toEqual([bought]);
    expect((await productsWhere({ min_rating: '4.5' })).body.products).toEqual([]);
    expect((await productsWhere({ min_rating: '6' })).status).toBe(400);
    expect((await reviewsOf(bought, { sort: invalid('best') })).status).toBe(400);
  });

  it('the author edits; another customer may not; an admin hides, and it stops counting', async () => {
    const id = (await reviewsOf(bought)).body.reviews[0]!.review_id;
    await expectRefused(() => edit(id, other.accessToken, { rating: 1 }), 403, 'AUTH_1004');
    await expectRefused(() => edit(id, api.customer.accessToken, { rating: 7 }), 400, 'VAL_2001');
    const edited = await edit(id, api.customer.accessToken, { rating: 2 });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ rating: 2, title: review.title });
    expect((await productOf(bought)).body).toMatchObject({ rating: 2, reviews_count: 1 });
    await expectRefused(() => hide(id, other.accessToken, { reason: 'x' }), 403, 'AUTH_1004');
    const hidden = await hide(id, api.adminToken, { reason: 'Off topic' });
    expect(hidden.status).toBe(200);
    expect(hidden.body.status).toBe('hidden');
    const after = await reviewsOf(bought);
    expect(after.body.reviews).toEqual([]);
    expect(after.body.rating_summary.count).toBe(0);
    expect((await productOf(bought)).body).toMatchObject({ rating: 0, reviews_count: 0 });
  });

  it('deleted by an admin, the author may review again; two concurrent reviews: one wins', async () => {
    const id = (await edit('rev_none', api.customer.accessToken, { rating: 3 })).status;
    expect(id).toBe(404);
    const first = await reviewsOf(bought);
    expect(first.body.reviews).toEqual([]);
    const reviewId = (await submit(bought, api.customer.accessToken, review)).body?.error?.code;
    expect(reviewId).toBe('RES_3002'); // hidden still counts as the customer's one review
    const hiddenId = (await api.store.readAll({ maxCount: 1000 })).events.find(
      (e) => e.type === 'ReviewHidden',
    )!.data.review_id as string;
    await expectRefused(() => remove(hiddenId, other.accessToken), 403, 'AUTH_1004');
    expect((await remove(hiddenId, api.adminToken)).status).toBe(204);
    const racers = await Promise.all(
      [5, 3].map((rating) => submit(bought, api.customer.accessToken, { ...review, rating })),
    );
    expect(racers.map((r) => r.status).sort()).toEqual([201, 409]);
    const summary = (await reviewsOf(bought)).body.rating_summary;
    expect(summary.count).toBe(1);
  });

  it("keys a review's id (no one holding a user id can compute it); one written before still counts", async () => {
    const unkeyed = (productId: string) =>
      `rev_${createHash('sha256').update(`${productId}|${api.customer.userId}`).digest('base64url').slice(0, 22)}`;
    const vase = (await createProduct(api.http, api.adminToken, { name: 'Vase', initial_stock: 10 }))
      .product_id;
    await buy(vase, 'delivered');
    const created = await submit(vase, api.customer.accessToken, review);
    expect(created.status).toBe(201);
    expect(created.body.review_id).toMatch(/^rev_[A-Za-z0-9_-]{22}$/);
    expect(created.body.review_id).not.toBe(unkeyed(vase));

    // A review stored before wave 20 under the unkeyed id, in the shape the code of that time wrote
    // (version 1, no author name; read through upcastReviewSubmitted): a second review still meets it.
    const mug = (await createProduct(api.http, api.adminToken, { name: 'Mug', initial_stock: 10 }))
      .product_id;
    await buy(mug, 'delivered');
    const legacyId = unkeyed(mug);
    await api.store.appendToStream(`review-${legacyId}`, [
      {
        id: randomUUID(),
        type: 'ReviewSubmitted',
        data: {
          schema_version: 1,
          review_id: legacyId,
          product_id: mug,
          user_id: api.customer.userId,
          ...review,
          verified_purchase: true,
          submitted_at: new Date().toISOString(),
        },
        metadata: {},
      },
    ]);
    await expectRefused(() => submit(mug, api.customer.accessToken, review), 409, 'RES_3002');
  });
});
