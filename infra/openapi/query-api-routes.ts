import { z } from 'zod';
import { listProductsQuery, searchQuery } from '../../query-api/query-params.ts';
import type { DocumentedRoute } from './openapi-document.ts';

/**
 * The query API's routes for its OpenAPI document. Its routers validate inline (parseInput) rather
 * than through declared specs, so the list is kept here with the schemas they validate with; the
 * openapi test compares it with the routes the built app really serves and fails on any difference.
 * (It belongs beside query-api/app.ts; it lives here until the query API declares its routes.)
 */
export const queryApiRoutes: DocumentedRoute[] = [
  { method: 'get', path: '/products', access: 'public', query: listProductsQuery, summary: 'List products' },
  {
    method: 'get',
    path: '/products/search',
    access: 'public',
    query: searchQuery,
    summary: 'Search products',
  },
  {
    method: 'get',
    path: '/products/:product_id',
    access: 'public',
    params: z.object({ product_id: z.string() }),
    summary: 'One product with its stock',
  },
  { method: 'get', path: '/categories', access: 'public', summary: 'Categories with product counts' },
  {
    method: 'get',
    path: '/inventory/:product_id',
    access: ['admin'],
    params: z.object({ product_id: z.string() }),
    summary: 'Stock of a product: on hand, reserved, available (admin)',
  },
];
