import type { z } from 'zod';
import { cartEventSchemas, cartStreamCategory } from './cart/events.ts';
import { categoryEventSchemas, categoryTreeStream } from './catalog/category-events.ts';
import { catalogEventSchemas, catalogStreamCategory } from './catalog/events.ts';
import { checkoutEventSchemas, checkoutStreamCategory } from './checkout/events.ts';
import { emailStreamCategory } from './identity/email.ts';
import {
  credentialsStreamCategory,
  identityEventSchemas,
  identityStreamCategory,
} from './identity/events.ts';
import { inventoryEventSchemas, inventoryStreamCategory } from './inventory/events.ts';
import { orderingEventSchemas, orderingStreamCategory } from './ordering/events.ts';
import { reviewEventSchemas, reviewStreamCategory } from './reviews/events.ts';

export type EventCatalogEntry = {
  context: string;
  /** The stream each of these events is appended to, as a pattern. */
  stream: string;
  schemas: Record<string, z.ZodType>;
};

const { UserRegistered, UserProfileChanged, UserRoleGranted, EmailClaimed, PasswordSet } =
  identityEventSchemas;

/** Every domain event type, grouped by the stream it lives in: the source of docs/events.md. */
export const eventCatalog: EventCatalogEntry[] = [
  { context: 'catalog', stream: `${catalogStreamCategory}-<product_id>`, schemas: catalogEventSchemas },
  { context: 'catalog', stream: categoryTreeStream, schemas: categoryEventSchemas },
  { context: 'reviews', stream: `${reviewStreamCategory}-<review_id>`, schemas: reviewEventSchemas },
  { context: 'inventory', stream: `${inventoryStreamCategory}-<product_id>`, schemas: inventoryEventSchemas },
  { context: 'cart', stream: `${cartStreamCategory}-<user_id>`, schemas: cartEventSchemas },
  { context: 'ordering', stream: `${orderingStreamCategory}-<order_id>`, schemas: orderingEventSchemas },
  {
    context: 'checkout',
    stream: `${checkoutStreamCategory}-<reservation_id>`,
    schemas: checkoutEventSchemas,
  },
  {
    context: 'identity',
    stream: `${identityStreamCategory}-<user_id>`,
    schemas: { UserRegistered, UserProfileChanged, UserRoleGranted },
  },
  {
    context: 'identity',
    stream: `${emailStreamCategory}-<sha256 of normalised email>`,
    schemas: { EmailClaimed },
  },
  { context: 'identity', stream: `${credentialsStreamCategory}-<user_id>`, schemas: { PasswordSet } },
];

/** All domain event schemas by type. */
export const domainEventSchemas: Record<string, z.ZodType> = Object.assign(
  {},
  ...eventCatalog.map((entry) => entry.schemas),
);
