import { schemaName } from '../../application/projection-runner/types.ts';
import { personalDataSchema } from '../account-responses.ts';
import { servingSchema } from '../consistency.ts';
import { exportPersonalData } from '../personal-data-export.ts';
import type { RouteContext } from '../route-context.ts';
import { type AnyQueryRoute, route } from '../routing.ts';

/** GET /users/me/data (API.md "Personal data"): everything held about the caller, decrypted, as JSON. */
export const personalDataRoutes = (context: RouteContext): AnyQueryRoute[] => [
  route({
    method: 'get',
    path: '/users/me/data',
    access: ['customer', 'admin'],
    reads: ['orders', 'catalog'],
    response: { status: 200, schema: personalDataSchema },
    summary: 'Everything held about the caller (profile, addresses, orders, cart, their events), decrypted',
    async handle({ req }) {
      const ordersSchema = servingSchema(context.watcher, 'orders');
      // Reviews are found through the catalog read model when it serves; their streams are the truth.
      const catalog = context.watcher.state('catalog');
      const catalogSchema = catalog ? schemaName('catalog', catalog.generation) : undefined;
      const body = await exportPersonalData(
        { store: context.store!, db: context.db, ordersSchema, catalogSchema },
        req.auth!.userId,
        context.clock(),
      );
      return { status: 200, body, headers: { 'Cache-Control': 'no-store' } };
    },
  }),
];
