import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productListedData } from '../projections/test-support.ts';
import { type Answer, answer, commandClient, invalid, queryClient } from '../test/api-client/clients.ts';
import type { components } from '../test/api-client/command-api.d.ts';
import { createProduct, refused, type ShopApi, startShopApi } from './catalog/e2e-fixtures.ts';
import { startReadSideFor } from './catalog/read-side-e2e-fixtures.ts';

let api: ShopApi;
let read: Awaited<ReturnType<typeof startReadSideFor>>;
beforeAll(async () => {
  api = await startShopApi('categories_e2e');
  read = await startReadSideFor(api);
  // Products written before the tree existed name their category in free text, in two spellings.
  for (const [id, category] of [
    ['prd_old1', 'audio'],
    ['prd_old2', 'Audio'],
  ] as const)
    await api.store.appendToStream(`product-${id}`, [
      {
        id: randomUUID(),
        type: 'ProductListed',
        data: productListedData(id, { category, name: `Old ${id}` }),
      },
    ]);
});
afterAll(async () => {
  await read?.close();
  await api?.close();
});

// Both APIs through the clients generated from their documents; every answer is checked against its
// route's declared schema (test/api-client/response-check.ts).
type Schemas = components['schemas'];
const create = (body: Schemas['postCategoriesBody'], token = api.adminToken) =>
  answer(commandClient(api.http.url, token).POST('/api/v1/categories', { body }));
const change = (slug: string, body: Schemas['putCategoriesSlugBody']) =>
  answer(
    commandClient(api.http.url, api.adminToken).PUT('/api/v1/categories/{slug}', {
      params: { path: { slug } },
      body,
    }),
  );
/** The query API, once the projections have caught up with every write so far. */
const query = async () => ({ client: queryClient(read.query.http.url), headers: await read.caughtUp() });
const categories = async () => {
  const { client, headers } = await query();
  return (await answer(client.GET('/api/v1/categories', { headers }))).body.categories as Node[];
};
const products = async (q: { category?: string; sort_by?: 'name' }) => {
  const { client, headers } = await query();
  return (await answer(client.GET('/api/v1/products', { params: { query: q }, headers }))).body;
};
const product = async (product_id: string) => {
  const { client, headers } = await query();
  return (
    await answer(client.GET('/api/v1/products/{product_id}', { params: { path: { product_id } }, headers }))
  ).body;
};
async function expectRefused<R extends Answer<unknown>>(
  send: () => Promise<R>,
  status: number,
  code: string,
) {
  const { response, appended } = await refused(api, send);
  const body = response.body as { error?: { code?: string } } | undefined;
  expect({ status: response.status, code: body?.error?.code }).toEqual({ status, code });
  expect(appended).toBe(false);
}
type Node = { slug: string; name: string; product_count: number; children: Node[] };
const find = (nodes: Node[], slug: string): Node | undefined =>
  nodes.find((n) => n.slug === slug) ?? nodes.map((n) => find(n.children, slug)).find(Boolean);

describe('the category tree through both APIs', () => {
  it('folds free-text categories of any case into one root category, without rewriting events', async () => {
    expect(await categories()).toEqual([{ slug: 'audio', name: 'audio', product_count: 2, children: [] }]);
  });

  it('creates a two-level tree; creating a legacy category adopts it; products file by slug or name', async () => {
    const electronics = await create({ name: 'Electronics' });
    expect(electronics.status).toBe(201);
    expect(electronics.body).toEqual({
      slug: 'electronics',
      name: 'Electronics',
      parent_slug: null,
      path: ['electronics'],
    });
    const audio = await create({ name: 'Audio', parent_slug: 'electronics' });
    expect(audio.body).toEqual({
      slug: 'audio',
      name: 'Audio',
      parent_slug: 'electronics',
      path: ['electronics', 'audio'],
    });
    const headphones = await create({ name: 'Headphones', parent_slug: 'audio' });
    expect(headphones.body.path).toEqual(['electronics', 'audio', 'headphones']);
    const created = await createProduct(api.http, api.adminToken, {
      name: 'Quiet Cans',
      category: 'HEADPHONES',
    });

    const tree = await categories();
    expect(tree).toHaveLength(1);
    expect(find(tree, 'electronics')).toMatchObject({ name: 'Electronics', product_count: 3 });
    expect(find(tree, 'audio')).toMatchObject({ name: 'Audio', product_count: 3 });
    expect(find(tree, 'headphones')).toMatchObject({ product_count: 1, children: [] });

    const listed = await products({ category: 'Electronics', sort_by: 'name' });
    expect(listed.products.map((p) => p.product_id)).toEqual(['prd_old1', 'prd_old2', created.product_id]);
    expect((await products({ category: 'audio' })).pagination.total_items).toBe(3);
    expect((await products({ category: 'nothing-here' })).products).toEqual([]);
    const detail = await product(created.product_id);
    expect(detail.category_path).toEqual([
      { slug: 'electronics', name: 'Electronics' },
      { slug: 'audio', name: 'Audio' },
      { slug: 'headphones', name: 'Headphones' },
    ]);
    const { client, headers } = await query();
    const search = await answer(
      client.GET('/api/v1/products/search', { params: { query: { q: 'quiet' } }, headers }),
    );
    expect(search.body.facets.categories).toEqual([{ value: 'Electronics', slug: 'electronics', count: 1 }]);
  });

  it('an unknown category named by a product is created at the root', async () => {
    await createProduct(api.http, api.adminToken, { name: 'Rake', category: 'Garden Tools' });
    const tree = await categories();
    expect(find(tree, 'garden-tools')).toEqual({
      slug: 'garden-tools',
      name: 'Garden Tools',
      product_count: 1,
      children: [],
    });
  });

  it('renames and moves: products follow, the old clients still see name and product_count', async () => {
    const renamed = await change('audio', { name: 'Sound', parent_slug: null });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toEqual({ slug: 'audio', name: 'Sound', parent_slug: null, path: ['audio'] });
    const tree = await categories();
    expect(find(tree, 'electronics')).toMatchObject({ product_count: 0, children: [] });
    expect(find(tree, 'audio')).toMatchObject({ name: 'Sound', product_count: 3 });
    const old = await product('prd_old1');
    expect(old.category_path).toEqual([{ slug: 'audio', name: 'Sound' }]);
    expect((await products({ category: 'sound' })).pagination.total_items).toBe(3);
    expect((await change('audio', { parent_slug: 'electronics' })).status).toBe(200);
  });

  it('refuses a cycle, a taken name, an unknown parent or category, and a customer; appends nothing', async () => {
    await expectRefused(() => change('electronics', { parent_slug: 'headphones' }), 409, 'BIZ_4006');
    await expectRefused(() => change('audio', { parent_slug: 'audio' }), 409, 'BIZ_4006');
    await expectRefused(() => create({ name: 'ELECTRONICS' }), 409, 'RES_3002');
    await expectRefused(() => change('audio', { name: 'headphones' }), 409, 'RES_3002');
    await expectRefused(() => create({ name: 'Cables', parent_slug: 'nope' }), 404, 'RES_3001');
    await expectRefused(() => change('nope', { name: 'X' }), 404, 'RES_3001');
    await expectRefused(() => create({ name: '' }), 400, 'VAL_2001');
    await expectRefused(() => create(invalid({})), 400, 'VAL_2002');
    await expectRefused(() => change('audio', {}), 400, 'VAL_2001');
    await expectRefused(() => create({ name: 'Cables' }, api.customer.accessToken), 403, 'AUTH_1004');
  });

  it('files no category for a product the decider refuses, listed or changed', async () => {
    const admin = commandClient(api.http.url, api.adminToken);
    const listing = (body: Record<string, unknown>) =>
      answer(admin.POST('/api/v1/products', { body: body as Schemas['postProductsBody'] }));
    await expectRefused(
      () => listing({ name: '   ', price: 10, category: 'Refused Kitchen' }),
      400,
      'VAL_2001',
    );
    await expectRefused(
      () => listing({ name: 'Pan', price: 10, category: 'Refused Kitchen', description: 'x'.repeat(10_001) }),
      400,
      'VAL_2001',
    );
    const { product_id } = await createProduct(api.http, api.adminToken, { name: 'Pot' });
    await expectRefused(
      () =>
        answer(
          admin.PUT('/api/v1/products/{product_id}', {
            params: { path: { product_id } },
            body: { name: '   ', category: 'Refused Kitchen' },
          }),
        ),
      400,
      'VAL_2001',
    );
    expect(find(await categories(), 'refused-kitchen')).toBeUndefined();
  });
});

describe('If-Match on the category tree', () => {
  it('a stale revision of the tree is 412 and creates nothing', async () => {
    const created = await create({ name: 'Precondition Tools' });
    expect(created.status).toBe(201);
    const tree = created.headers.get('etag')!;
    const stale = `"${BigInt(tree.replaceAll('"', '')) + 5n}"`; // a revision the tree never had
    await expectRefused(
      () =>
        answer(
          commandClient(api.http.url, api.adminToken).POST('/api/v1/categories', {
            body: { name: 'Never Filed' },
            headers: { 'If-Match': stale },
          }),
        ),
      412,
      'RES_3003',
    );
  });
});
