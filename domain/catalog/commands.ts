import type { Command } from '../shared/decider.ts';
import type { ProductId, VariantId } from '../shared/ids.ts';

/** A JSON value, as product specifications hold them (`{"weight": "1.2 kg", "ports": ["usb-c"]}`). */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/**
 * The descriptive fields of a product: everything ChangeProductDetails may change.
 * Price and currency are not here: they change only through ChangePrice.
 */
export type ProductDetails = {
  name: string;
  description: string | null;
  longDescription: string | null;
  category: string;
  subcategory: string | null;
  brand: string | null;
  sku: string | null;
  images: string[];
  specifications: Record<string, Json>;
};

/** The optional descriptive fields; `null` in a change clears the field. */
export type OptionalDetail = 'description' | 'longDescription' | 'subcategory' | 'brand' | 'sku';

/** Price in integer minor units (`9999` = 99.99); `now` is an ISO time from the handler's clock. */
export type ListProduct = Command<
  'ListProduct',
  {
    productId: ProductId;
    name: string;
    description?: string | null;
    longDescription?: string | null;
    price: number;
    /** ISO 4217; USD when absent. */
    currency?: string;
    category: string;
    subcategory?: string | null;
    brand?: string | null;
    sku?: string | null;
    images?: string[];
    specifications?: Record<string, Json>;
    now: string;
  }
>;

/** Any subset of the descriptive fields; at least one must be given. */
export type ChangeProductDetails = Command<
  'ChangeProductDetails',
  { productId: ProductId; changes: Partial<ProductDetails>; now: string }
>;

/** A new price in minor units; `currency`, when given, must be the product's own (no conversion here). */
export type ChangePrice = Command<
  'ChangePrice',
  { productId: ProductId; price: number; currency?: string; now: string }
>;

export type DiscontinueProduct = Command<'DiscontinueProduct', { productId: ProductId; now: string }>;

export type ProductCommand =
  | ListProduct
  | ChangeProductDetails
  | ChangePrice
  | DiscontinueProduct
  | VariantCommand;

/** A variant's options combination, option name → value (`{ size: 'M', color: 'red' }`). */
export type VariantOptions = Record<string, string>;

/** A new variant; `priceAdjustment` is signed minor units added to the product's base price. */
export type AddVariant = Command<
  'AddVariant',
  {
    productId: ProductId;
    variantId: VariantId;
    sku: string;
    options: VariantOptions;
    priceAdjustment: number;
    now: string;
  }
>;

/** Any of a variant's SKU, options or price adjustment; at least one must be given. */
export type ChangeVariant = Command<
  'ChangeVariant',
  {
    productId: ProductId;
    variantId: VariantId;
    changes: { sku?: string; options?: VariantOptions; priceAdjustment?: number };
    now: string;
  }
>;

export type RetireVariant = Command<
  'RetireVariant',
  { productId: ProductId; variantId: VariantId; now: string }
>;

export type VariantCommand = AddVariant | ChangeVariant | RetireVariant;
