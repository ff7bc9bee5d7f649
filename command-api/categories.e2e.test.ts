import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productListedData } from '../projections/test-support.ts';
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

const post = (path: string, body: unknown, token = api.adminToken) =>
  api.http.request('POST', `/api/v1${path}`, { token, body });
const put = (path: string, body: unknown, token = api.adminToken) =>
  api.http.request('PUT', `/api/v1${path}`, { token, body });
async function expectRefused(send: () => ReturnType<typeof post>, status: number, code: string) {
  const { response, appended } = await refused(api, send);
  expect({ status: response.status, code: response.body?.error?.code }).toEqual({ status, code });
  expect(appended).toBe(false);
}
type Node = { slug: string; name: string; product_count: number; children: Node[] };
const find = (nodes: Node[], slug: string): Node | undefined =>
  nodes.find((n) => n.slug === slug) ?? nodes.map((n) => find(n.children, slug)).find(Boolean);

describe('the category tree through both APIs', () => {
  it('folds free-text categories of any case into one root category, without rewriting events', async () => {
    const res = await read.get('/categories');
    expect(res.status).toBe(200);
    expect(res.body.categories).toEqual([{ slug: 'audio', name: 'audio', product_count: 2, children: [] }]);
  });

  it('creates a two-level tree; creating a legacy category adopts it; products file by slug or name', async () => {
    const electronics = await post('/categories', { name: 'Electronics' });
    expect(electronics.status).toBe(201);
    expect(electronics.body).toEqual({
      slug: 'electronics',
      name: 'Electronics',
      parent_slug: null,
      path: ['electronics'],
    });
    const audio = await post('/categories', { name: 'Audio', parent_slug: 'electronics' });
    expect(audio.body).toEqual({
      slug: 'audio',
      name: 'Audio',
      parent_slug: 'electronics',
      path: ['electronics', 'audio'],
    });
    const headphones = await post('/categories', { name: 'Headphones', parent_slug: 'audio' });
    expect(headphones.body.path).toEqual(['electronics', 'audio', 'headphones']);
    const product = await createProduct(api.http, api.adminToken, {
      name: 'Quiet Cans',
      category: 'HEADPHONES',
    });

    const tree = (await read.get('/categories')).body.categories as Node[];
    expect(tree).toHaveLength(1);
    expect(find(tree, 'electronics')).toMatchObject({ name: 'Electronics', product_count: 3 });
    expect(find(tree, 'audio')).toMatchObject({ name: 'Audio', product_count: 3 });
    expect(find(tree, 'headphones')).toMatchObject({ product_count: 1, children: [] });

    const listed = await read.get('/products?category=Electronics&sort_by=name');
    expect(listed.body.products.map((p: { product_id: string }) => p.product_id)).toEqual([
      'prd_old1',
      'prd_old2',
      product.product_id,
    ]);
    expect((await read.get('/products?category=audio')).body.pagination.total_items).toBe(3);
    expect((await read.get('/products?category=nothing-here')).body.products).toEqual([]);
    const detail = await read.get(`/products/${product.product_id}`);
    expect(detail.body.category_path).toEqual([
      { slug: 'electronics', name: 'Electronics' },
      { slug: 'audio', name: 'Audio' },
      { slug: 'headphones', name: 'Headphones' },
    ]);
    const search = await read.get('/products/search?q=quiet');
    expect(search.body.facets.categories).toEqual([{ value: 'Electronics', slug: 'electronics', count: 1 }]);
  });

  it('an unknown category named by a product is created at the root', async () => {
    await createProduct(api.http, api.adminToken, { name: 'Rake', category: 'Garden Tools' });
    const tree = (await read.get('/categories')).body.categories as Node[];
    expect(find(tree, 'garden-tools')).toEqual({
      slug: 'garden-tools',
      name: 'Garden Tools',
      product_count: 1,
      children: [],
    });
  });

  it('renames and moves: products follow, the old clients still see name and product_count', async () => {
    const renamed = await put('/categories/audio', { name: 'Sound', parent_slug: null });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toEqual({ slug: 'audio', name: 'Sound', parent_slug: null, path: ['audio'] });
    const tree = (await read.get('/categories')).body.categories as Node[];
    expect(find(tree, 'electronics')).toMatchObject({ product_count: 0, children: [] });
    expect(find(tree, 'audio')).toMatchObject({ name: 'Sound', product_count: 3 });
    const old = await read.get('/products/prd_old1');
    expect(old.body.category_path).toEqual([{ slug: 'audio', name: 'Sound' }]);
    expect((await read.get('/products?category=sound')).body.pagination.total_items).toBe(3);
    expect((await put('/categories/audio', { parent_slug: 'electronics' })).status).toBe(200);
  });

  it('refuses a cycle, a taken name, an unknown parent or category, and a customer; appends nothing', async () => {
    await expectRefused(() => put('/categories/electronics', { parent_slug: 'headphones' }), 409, 'BIZ_4006');
    await expectRefused(() => put('/categories/audio', { parent_slug: 'audio' }), 409, 'BIZ_4006');
    await expectRefused(() => post('/categories', { name: 'ELECTRONICS' }), 409, 'RES_3002');
    await expectRefused(() => put('/categories/audio', { name: 'headphones' }), 409, 'RES_3002');
    await expectRefused(() => post('/categories', { name: 'Cables', parent_slug: 'nope' }), 404, 'RES_3001');
    await expectRefused(() => put('/categories/nope', { name: 'X' }), 404, 'RES_3001');
    await expectRefused(() => post('/categories', { name: '' }), 400, 'VAL_2001');
    await expectRefused(() => post('/categories', {}), 400, 'VAL_2002');
    await expectRefused(() => put('/categories/audio', {}), 400, 'VAL_2001');
    await expectRefused(
      () => post('/categories', { name: 'Cables' }, api.customer.accessToken),
      403,
      'AUTH_1004',
    );
  });
});
