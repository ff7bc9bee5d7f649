import { z } from 'zod';
import { notFound } from '../../domain/shared/errors.ts';
import { idOr404 } from '../../infra/http/path-ids.ts';
import {
  categoriesResponseSchema,
  productDetailSchema,
  productListSchema,
  searchResponseSchema,
} from '../catalog-responses.ts';
import { servingSchema } from '../consistency.ts';
import { listedProduct, paginationOf, productDetail, searchResult, topLevelFacets } from '../presenters.ts';
import { listProductsQuery, searchQuery } from '../query-params.ts';
import type { RouteContext } from '../route-context.ts';
import { type AnyQueryRoute, route } from '../routing.ts';
import { byProduct } from '../variant-presenters.ts';

export const productParams = z.object({ product_id: z.string() });

/** GET /products, /products/search, /products/{id}, /categories — anyone may read the catalog. */
export const catalogRoutes = (context: RouteContext): AnyQueryRoute[] => {
  const { watcher } = context;
  const schemas = () => ({
    catalog: servingSchema(watcher, 'catalog'),
    inventory: servingSchema(watcher, 'inventory'),
    variants: servingSchema(watcher, 'variants'),
  });
  const skuMatches = (current: { catalog: string; variants: string }, text: string | undefined) =>
    text === undefined ? Promise.resolve(undefined) : context.variants.productsBySku(current, text);

  return [
    route({
      method: 'get',
      path: '/products',
      access: 'public',
      reads: ['catalog', 'inventory', 'variants'],
      query: listProductsQuery,
      response: { status: 200, schema: productListSchema },
      summary: 'List products',
      async handle({ query: q }) {
        const current = schemas();
        const tree = await context.catalog.tree(current);
        const named = q.category === undefined ? undefined : tree.resolve(q.category);
        const { rows, total } = await context.catalog.list(current, {
          page: q.page,
          limit: q.limit,
          // A category includes its descendants' products; a text naming no category matches nothing.
          categorySlugs: q.category === undefined ? undefined : named ? tree.subtree(named.slug) : [],
          minRating: q.min_rating,
          search: q.search,
          skuMatches: await skuMatches(current, q.search),
          minPrice: q.min_price,
          maxPrice: q.max_price,
          sortBy: q.sort_by,
        });
        const variants = byProduct(
          await context.variants.of(
            current.variants,
            rows.map((row) => row.product_id),
          ),
        );
        return {
          status: 200,
          body: {
            products: rows.map((row) => listedProduct(row, tree, variants.get(row.product_id))),
            pagination: paginationOf(q.page, q.limit, total),
          },
        };
      },
    }),
    route({
      method: 'get',
      path: '/products/search',
      access: 'public',
      reads: ['catalog', 'variants'],
      query: searchQuery,
      response: { status: 200, schema: searchResponseSchema },
      summary: 'Search products',
      async handle({ query: q }) {
        const current = schemas();
        const bySku = (await skuMatches(current, q.q)) ?? [];
        const [{ rows, total, facets }, tree] = await Promise.all([
          context.catalog.search(current, q.q, q.page, q.limit, bySku),
          context.catalog.tree(current),
        ]);
        return {
          status: 200,
          body: {
            query: q.q,
            results: rows.map(searchResult),
            pagination: paginationOf(q.page, q.limit, total),
            facets: { ...facets, categories: topLevelFacets(facets.categories, tree) },
          },
        };
      },
    }),
    route({
      method: 'get',
      path: '/products/:product_id',
      access: 'public',
      reads: ['catalog', 'inventory', 'variants'],
      params: productParams,
      response: { status: 200, schema: productDetailSchema },
      summary: 'One product with its stock',
      async handle({ params }) {
        const id = idOr404('product', params.product_id, 'Product');
        const current = schemas();
        // A swap to a rebuilt generation clears the whole cache (the watcher invalidates `*`). The answer is
        // kept as its JSON text: a hit is sent as is, never serialized again.
        const json = await context.productCache.get(id, async () => {
          const [row, tree, variants] = await Promise.all([
            context.catalog.product(current, id),
            context.catalog.tree(current),
            context.variants.of(current.variants, [id]),
          ]);
          return row && JSON.stringify(productDetail(row, tree, variants));
        });
        if (!json) throw notFound('Product', id);
        return { status: 200, json };
      },
    }),
    route({
      method: 'get',
      path: '/categories',
      access: 'public',
      reads: ['catalog'],
      response: { status: 200, schema: categoriesResponseSchema },
      summary: 'The category tree with product counts',
      async handle() {
        const tree = await context.catalog.tree({ catalog: servingSchema(watcher, 'catalog') });
        return { status: 200, body: { categories: tree.nested() } };
      },
    }),
  ];
};
