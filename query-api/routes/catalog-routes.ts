import { Router } from 'express';
import { notFound } from '../../domain/shared/errors.ts';
import { isId } from '../../domain/shared/ids.ts';
import { parseInput } from '../../infra/http/validation.ts';
import type { CatalogQueries } from '../catalog-queries.ts';
import type { CheckpointWatcher } from '../checkpoint-watcher.ts';
import { consistency, servingSchema } from '../consistency.ts';
import { listedProduct, paginationOf, productDetail, searchResult, topLevelFacets } from '../presenters.ts';
import type { ProductCache } from '../product-cache.ts';
import { listProductsQuery, searchQuery } from '../query-params.ts';
import { byProduct } from '../variant-presenters.ts';
import type { VariantQueries } from '../variant-queries.ts';

export type CatalogRouteDeps = {
  queries: CatalogQueries;
  variantQueries: VariantQueries;
  watcher: CheckpointWatcher;
  cache: ProductCache<ReturnType<typeof productDetail>>;
  consistencyWaitMs: number;
};

/** GET /products, /products/search, /products/{id}, /categories — anyone may read the catalog. */
export function catalogRoutes(deps: CatalogRouteDeps): Router {
  const router = Router();
  const { queries, watcher } = deps;
  const schemas = () => ({
    catalog: servingSchema(watcher, 'catalog'),
    inventory: servingSchema(watcher, 'inventory'),
    variants: servingSchema(watcher, 'variants'),
  });
  const readsCatalogAndStock = consistency(
    watcher,
    ['catalog', 'inventory', 'variants'],
    deps.consistencyWaitMs,
  );
  const skuMatches = (variants: string, text: string | undefined) =>
    text === undefined ? Promise.resolve(undefined) : deps.variantQueries.productsBySku(variants, text);

  router.get('/products', readsCatalogAndStock, async (req, res) => {
    const q = parseInput(listProductsQuery, req.query, 'query');
    const current = schemas();
    const tree = await queries.tree(current);
    const named = q.category === undefined ? undefined : tree.resolve(q.category);
    const { rows, total } = await queries.list(current, {
      page: q.page,
      limit: q.limit,
      // A category includes its descendants' products; a text naming no category matches nothing.
      categorySlugs: q.category === undefined ? undefined : named ? tree.subtree(named.slug) : [],
      minRating: q.min_rating,
      search: q.search,
      skuMatches: await skuMatches(current.variants, q.search),
      minPrice: q.min_price,
      maxPrice: q.max_price,
      sortBy: q.sort_by,
    });
    const variants = byProduct(
      await deps.variantQueries.of(
        current.variants,
        rows.map((row) => row.product_id),
      ),
    );
    res.json({
      products: rows.map((row) => listedProduct(row, tree, variants.get(row.product_id))),
      pagination: paginationOf(q.page, q.limit, total),
    });
  });

  router.get(
    '/products/search',
    consistency(watcher, ['catalog', 'variants'], deps.consistencyWaitMs),
    async (req, res) => {
      const q = parseInput(searchQuery, req.query, 'query');
      const current = schemas();
      const bySku = (await skuMatches(current.variants, q.q)) ?? [];
      const [{ rows, total, facets }, tree] = await Promise.all([
        queries.search(current, q.q, q.page, q.limit, bySku),
        queries.tree(current),
      ]);
      res.json({
        query: q.q,
        results: rows.map(searchResult),
        pagination: paginationOf(q.page, q.limit, total),
        facets: { ...facets, categories: topLevelFacets(facets.categories, tree) },
      });
    },
  );

  router.get('/products/:product_id', readsCatalogAndStock, async (req, res) => {
    const id = String(req.params.product_id);
    if (!isId('product', id)) throw notFound('Product', id);
    const current = schemas();
    // A swap to a rebuilt generation clears the whole cache (the watcher invalidates `*`).
    const product = await deps.cache.get(id, async () => {
      const [row, tree, variants] = await Promise.all([
        queries.product(current, id),
        queries.tree(current),
        deps.variantQueries.of(current.variants, [id]),
      ]);
      return row && productDetail(row, tree, variants);
    });
    if (!product) throw notFound('Product', id);
    res.json(product);
  });

  router.get('/categories', consistency(watcher, ['catalog'], deps.consistencyWaitMs), async (_req, res) => {
    const tree = await queries.tree({ catalog: servingSchema(watcher, 'catalog') });
    res.json({ categories: tree.nested() });
  });

  return router;
}
