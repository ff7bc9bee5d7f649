import { z } from 'zod';
import { orderStatuses } from '../domain/ordering/events.ts';
import type { DocumentedRoute } from '../infra/openapi/openapi-document.ts';
import { listProductsQuery, pagination, searchQuery } from './query-params.ts';

/**
 * The query API's routes for its OpenAPI document. Its routers validate inline (parseInput) rather
 * than through declared specs, so the list is kept here with the schemas they validate with; the
 * openapi test compares it with the routes the built app really serves and fails on any difference.
 * Kept beside the app; infra/openapi builds the document from it.
 */

// Copies of the query schemas query-api/routes/order-routes.ts and recommendation-routes.ts keep
// private; to be imported instead once those modules export them.
const listOrdersQuery = z.object({ ...pagination, status: z.enum(orderStatuses).optional() });
const recommendationsQuery = z.object({
  type: z.enum(['popular', 'personalized']).default('popular'),
  limit: pagination.limit.default(10),
});
const boughtTogetherQuery = z.object({ limit: pagination.limit.default(5) });
const productParams = z.object({ product_id: z.string() });
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
    params: productParams,
    summary: 'One product with its stock',
  },
  {
    method: 'get',
    path: '/products/:product_id/frequently-bought-together',
    access: 'public',
    params: productParams,
    query: boughtTogetherQuery,
    summary: 'Products bought together with this one in confirmed orders',
  },
  { method: 'get', path: '/categories', access: 'public', summary: 'Categories with product counts' },
  {
    method: 'get',
    path: '/inventory/:product_id',
    access: ['admin'],
    params: productParams,
    summary: 'Stock of a product: on hand, reserved, available (admin)',
  },
  { method: 'get', path: '/cart', access: ['customer'], summary: "The caller's cart with stock and totals" },
  {
    method: 'get',
    path: '/orders',
    access: ['customer', 'admin'],
    query: listOrdersQuery,
    summary: "Orders, newest first: a customer's own, every order for an admin",
  },
  {
    method: 'get',
    path: '/orders/:order_id',
    access: ['customer', 'admin'],
    params: z.object({ order_id: z.string() }),
    summary: 'One order with items, addresses, totals and tracking (owner or admin)',
  },
  {
    method: 'get',
    path: '/recommendations',
    access: ['customer'],
    query: recommendationsQuery,
    summary: 'Popular or personalised product recommendations',
  },
];
