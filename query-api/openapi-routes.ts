import { z } from 'zod';
import { cartBodySchema } from '../infra/http/cart-schema.ts';
import { inventoryLevelsSchema } from '../infra/http/catalog-schema.ts';
import { orderBodySchema } from '../infra/http/order-schema.ts';
import { priceQuoteSchema, pricingRuleSchema } from '../infra/http/pricing-schema.ts';
import type { DocumentedRoute } from '../infra/openapi/openapi-document.ts';
import { meResponseSchema, orderListSchema, personalDataSchema } from './account-responses.ts';
import { accessLogQuery, eventsQuery, stateQuery, streamQuery } from './audit/audit-params.ts';
import {
  accessLogResponseSchema,
  eventsResponseSchema,
  stateResponseSchema,
  streamResponseSchema,
} from './audit/audit-schemas.ts';
import {
  boughtTogetherResponseSchema,
  categoriesResponseSchema,
  productDetailSchema,
  productListSchema,
  recommendationsResponseSchema,
  reviewsResponseSchema,
  searchResponseSchema,
} from './catalog-responses.ts';
import { listProductsQuery, searchQuery } from './query-params.ts';
import { listOrdersQuery } from './routes/order-routes.ts';
import { priceQuery } from './routes/pricing-routes.ts';
import { boughtTogetherQuery, recommendationsQuery } from './routes/recommendation-routes.ts';
import { reviewsQuery } from './routes/review-routes.ts';

/**
 * The query API's routes for its OpenAPI document, each with the schema of its answer. Its routers validate inline (parseInput) rather
 * than through declared specs, so the list is kept here with the schemas they validate with; the
 * openapi test compares it with the routes the built app really serves and fails on any difference.
 * Kept beside the app; infra/openapi builds the document from it.
 */

const productParams = z.object({ product_id: z.string() });
export const queryApiRoutes: DocumentedRoute[] = [
  {
    method: 'get',
    path: '/pricing/rules',
    response: { status: 200, schema: z.object({ rules: z.array(pricingRuleSchema) }) },
    access: ['admin'],
    summary: 'Every pricing rule (admin)',
  },
  {
    method: 'get',
    path: '/pricing/:product_id/price',
    response: { status: 200, schema: priceQuoteSchema },
    access: 'public',
    params: productParams,
    query: priceQuery,
    summary: "A product's price for a quantity, with each pricing step",
  },
  {
    method: 'get',
    path: '/products',
    response: { status: 200, schema: productListSchema },
    access: 'public',
    query: listProductsQuery,
    summary: 'List products',
  },
  {
    method: 'get',
    path: '/products/search',
    response: { status: 200, schema: searchResponseSchema },
    access: 'public',
    query: searchQuery,
    summary: 'Search products',
  },
  {
    method: 'get',
    path: '/products/:product_id',
    response: { status: 200, schema: productDetailSchema },
    access: 'public',
    params: productParams,
    summary: 'One product with its stock',
  },
  {
    method: 'get',
    path: '/products/:product_id/frequently-bought-together',
    response: { status: 200, schema: boughtTogetherResponseSchema },
    access: 'public',
    params: productParams,
    query: boughtTogetherQuery,
    summary: 'Products bought together with this one in confirmed orders',
  },
  {
    method: 'get',
    path: '/products/:product_id/reviews',
    response: { status: 200, schema: reviewsResponseSchema },
    access: 'public',
    params: productParams,
    query: reviewsQuery,
    summary: "A product's published reviews with its rating summary",
  },
  {
    method: 'get',
    path: '/categories',
    response: { status: 200, schema: categoriesResponseSchema },
    access: 'public',
    summary: 'The category tree with product counts',
  },
  {
    method: 'get',
    path: '/inventory/:product_id',
    response: { status: 200, schema: inventoryLevelsSchema },
    access: ['admin'],
    params: productParams,
    summary: 'Stock of a product: on hand, reserved, available (admin)',
  },
  {
    method: 'get',
    path: '/cart',
    response: { status: 200, schema: cartBodySchema },
    access: 'customer-or-guest',
    summary: "The caller's cart with stock and totals (a customer's, or a guest's by X-Cart-Token)",
  },
  {
    method: 'get',
    path: '/users/me',
    response: { status: 200, schema: meResponseSchema },
    access: ['customer'],
    summary: "The caller's profile: verification, tier, marketing preference",
  },
  {
    method: 'get',
    path: '/orders',
    response: { status: 200, schema: orderListSchema },
    access: ['customer', 'admin'],
    query: listOrdersQuery,
    summary: "Orders, newest first: a customer's own, every order for an admin",
  },
  {
    method: 'get',
    path: '/orders/:order_id',
    response: { status: 200, schema: orderBodySchema },
    access: ['customer', 'admin'],
    params: z.object({ order_id: z.string() }),
    summary: 'One order with items, addresses, totals and tracking (owner or admin)',
  },
  {
    method: 'get',
    path: '/recommendations',
    response: { status: 200, schema: recommendationsResponseSchema },
    access: ['customer'],
    query: recommendationsQuery,
    summary: 'Popular or personalised product recommendations',
  },
  {
    method: 'get',
    path: '/users/me/data',
    response: { status: 200, schema: personalDataSchema },
    access: ['customer', 'admin'],
    summary: 'Everything held about the caller (profile, addresses, orders, cart, their events), decrypted',
  },
  {
    method: 'get',
    path: '/audit/streams/:stream_name',
    response: { status: 200, schema: streamResponseSchema },
    access: ['auditor', 'admin'],
    params: z.object({ stream_name: z.string() }),
    query: streamQuery,
    summary: "A stream's events in order, with metadata (audit; every request is recorded)",
  },
  {
    method: 'get',
    path: '/audit/events',
    response: { status: 200, schema: eventsResponseSchema },
    access: ['auditor', 'admin'],
    query: eventsQuery,
    summary: 'The global log in commit order, paged by position, filtered by type or correlation id (audit)',
  },
  {
    method: 'get',
    path: '/audit/access-log',
    response: { status: 200, schema: accessLogResponseSchema },
    access: ['auditor', 'admin'],
    query: accessLogQuery,
    summary: 'Who read what through the audit endpoints, when and from where (append-only)',
  },
  {
    method: 'get',
    path: '/audit/:aggregate_type/:aggregate_id/state',
    response: { status: 200, schema: stateResponseSchema },
    access: ['auditor', 'admin'],
    params: z.object({ aggregate_type: z.string(), aggregate_id: z.string() }),
    query: stateQuery,
    summary: "An aggregate's state folded from its own events as of a time or revision (audit)",
  },
];
