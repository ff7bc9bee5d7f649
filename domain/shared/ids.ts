import { z } from 'zod';

/** Opaque ids with a type prefix (API.md): `usr_…`, `prd_…`, `ord_…`, `item_…`, `rsv_…`, `var_…`. */
export const idPrefixes = {
  user: 'usr',
  product: 'prd',
  order: 'ord',
  cartItem: 'item',
  reservation: 'rsv',
  cart: 'cart',
  pricingRule: 'prl',
  variant: 'var',
  /** A guest cart's owner: `gst_<sha256 hex of the cart token>` (never the token itself). */
  guest: 'gst',
} as const;
export type IdKind = keyof typeof idPrefixes;

declare const brand: unique symbol;
export type Id<K extends IdKind> = string & { readonly [brand]: K };
export type UserId = Id<'user'>;
export type ProductId = Id<'product'>;
export type OrderId = Id<'order'>;
export type CartItemId = Id<'cartItem'>;
export type ReservationId = Id<'reservation'>;
export type VariantId = Id<'variant'>;
export type GuestId = Id<'guest'>;
/** Who owns a cart: a customer, or a guest known only by the hash of its cart token. */
export type CartOwnerId = UserId | GuestId;

const body = '[A-Za-z0-9_-]{1,64}';

export const isId = <K extends IdKind>(kind: K, value: string): value is Id<K> =>
  new RegExp(`^${idPrefixes[kind]}_${body}$`).test(value);

/** A zod schema accepting only ids of the given kind. */
export const idSchema = <K extends IdKind>(kind: K) =>
  z
    .string()
    .regex(
      new RegExp(`^${idPrefixes[kind]}_${body}$`),
      `must be a ${idPrefixes[kind]}_ id`,
    ) as unknown as z.ZodType<Id<K>>;

/** Builds an id from a random or deterministic suffix supplied by the caller (the domain never generates ids). */
export const makeId = <K extends IdKind>(kind: K, suffix: string) => `${idPrefixes[kind]}_${suffix}` as Id<K>;
