import { notFound } from '../../domain/shared/errors.ts';
import { inventoryLevelsSchema } from '../../infra/http/catalog-schema.ts';
import { idOr404 } from '../../infra/http/path-ids.ts';
import { servingSchema } from '../consistency.ts';
import type { RouteContext } from '../route-context.ts';
import { type AnyQueryRoute, route } from '../routing.ts';
import { productParams } from './catalog-routes.ts';

/** GET /inventory/{product_id}: admin only. */
export const inventoryRoutes = (context: RouteContext): AnyQueryRoute[] => [
  route({
    method: 'get',
    path: '/inventory/:product_id',
    access: ['admin'],
    reads: ['inventory', 'catalog', 'variants'],
    params: productParams,
    response: { status: 200, schema: inventoryLevelsSchema },
    summary: 'Stock of a product: on hand, reserved, available (admin)',
    async handle({ params }) {
      const id = idOr404('product', params.product_id, 'Product');
      const { watcher } = context;
      const stock = await context.catalog.stock(
        { catalog: servingSchema(watcher, 'catalog'), inventory: servingSchema(watcher, 'inventory') },
        id,
      );
      if (!stock) throw notFound('Product', id);
      const variants = await context.variants.of(servingSchema(watcher, 'variants'), [id]);
      // The product's own levels (zeros once it has variants: their stock is theirs), then each variant's;
      // a product without variants answers exactly as before.
      return {
        status: 200,
        body: {
          product_id: id,
          on_hand: stock.on_hand,
          reserved: stock.reserved,
          available: stock.available,
          ...(variants.length === 0
            ? {}
            : {
                variants: variants.map((v) => ({
                  variant_id: v.variant_id,
                  sku: v.sku,
                  status: v.status,
                  on_hand: v.on_hand,
                  reserved: v.reserved,
                  available: v.available,
                })),
              }),
        },
      };
    },
  }),
];
