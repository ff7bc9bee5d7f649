import type { ProductDetails } from './commands.ts';
import type { StoredProductDetails } from './events.ts';

// Commands and state speak TypeScript (camelCase); stored event data is snake_case like every event.
// One map for both directions, checked against both types, so a new field cannot be forgotten here.
const storedName = {
  name: 'name',
  description: 'description',
  longDescription: 'long_description',
  category: 'category',
  subcategory: 'subcategory',
  brand: 'brand',
  sku: 'sku',
  images: 'images',
  specifications: 'specifications',
} as const satisfies { [K in keyof ProductDetails]: keyof StoredProductDetails };

type Stored<K extends keyof ProductDetails> = (typeof storedName)[K];
type StoredDetails<T extends Partial<ProductDetails>> = {
  [K in keyof T as K extends keyof ProductDetails ? Stored<K> : never]: T[K];
};

const fieldOf = Object.fromEntries(Object.entries(storedName).map(([field, stored]) => [stored, field])) as {
  [K in keyof ProductDetails as Stored<K>]: K;
};

/** Descriptive fields (all, or only some) under their stored names; absent fields stay absent. */
export function toStoredDetails<T extends Partial<ProductDetails>>(details: T): StoredDetails<T> {
  const stored: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(details))
    if (field in storedName) stored[storedName[field as keyof ProductDetails]] = value;
  return stored as StoredDetails<T>;
}

/** Stored descriptive fields (all, or only some) back under their TypeScript names. */
export function fromStoredDetails(details: StoredProductDetails): ProductDetails;
export function fromStoredDetails(details: Partial<StoredProductDetails>): Partial<ProductDetails>;
export function fromStoredDetails(details: Partial<StoredProductDetails>): Partial<ProductDetails> {
  const fields: Record<string, unknown> = {};
  for (const [stored, value] of Object.entries(details))
    if (stored in fieldOf) fields[fieldOf[stored as keyof typeof fieldOf]] = value;
  return fields as Partial<ProductDetails>;
}
