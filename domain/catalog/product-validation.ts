import { FieldProblems } from '../shared/field-problems.ts';
import type { Json, OptionalDetail, ProductDetails } from './commands.ts';

// Field names in error details are the API's (snake_case), since they go back to the client as they are.
const apiField: Record<keyof ProductDetails | 'price' | 'currency', string> = {
  name: 'name',
  description: 'description',
  longDescription: 'long_description',
  category: 'category',
  subcategory: 'subcategory',
  brand: 'brand',
  sku: 'sku',
  images: 'images',
  specifications: 'specifications',
  price: 'price',
  currency: 'currency',
};

// Generous bounds: the contract fixes only the name; these keep one product from holding megabytes.
const maxLength: Record<OptionalDetail | 'category', number> = {
  description: 10_000,
  longDescription: 100_000,
  category: 100,
  subcategory: 100,
  brand: 100,
  sku: 64,
};
const maxImages = 50;
const maxImageLength = 2048;

/** Problems of a product's fields, named as the API names them. */
export class Problems extends FieldProblems<keyof typeof apiField> {
  constructor() {
    super((field) => apiField[field]);
  }
}

/** Name: trimmed, 1..255 characters. */
export function checkName(value: unknown, problems: Problems): string {
  if (typeof value !== 'string') {
    problems.add('name', 'is required');
    return '';
  }
  const name = value.trim();
  if (name.length < 1 || name.length > 255) problems.add('name', 'must be 1 to 255 characters');
  return name;
}

export function checkCategory(value: unknown, problems: Problems): string {
  const category = typeof value === 'string' ? value.trim() : '';
  if (category.length < 1) problems.add('category', 'is required');
  else if (category.length > maxLength.category)
    problems.add('category', `at most ${maxLength.category} characters`);
  return category;
}

/** An optional text: absent or null → null; names, codes and labels trimmed, prose kept verbatim. */
export function checkOptionalText(field: OptionalDetail, value: unknown, problems: Problems): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') {
    problems.add(field, 'must be a string');
    return null;
  }
  const text = field === 'description' || field === 'longDescription' ? value : value.trim();
  if (text.length > maxLength[field]) problems.add(field, `at most ${maxLength[field]} characters`);
  return text === '' ? null : text;
}

export function checkImages(value: unknown, problems: Problems): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.add('images', 'must be a list of image URLs');
    return [];
  }
  if (value.length > maxImages) problems.add('images', `at most ${maxImages} images`);
  if (
    !value.every((image) => typeof image === 'string' && image.length > 0 && image.length <= maxImageLength)
  )
    problems.add('images', `each image must be a non-empty string of at most ${maxImageLength} characters`);
  return value as string[];
}

export function checkSpecifications(value: unknown, problems: Problems): Record<string, Json> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.add('specifications', 'must be an object');
    return {};
  }
  return value as Record<string, Json>;
}

/** Price: a positive safe integer of minor units. */
export function checkPrice(value: unknown, problems: Problems): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0)
    problems.add('price', 'must be greater than 0 (integer minor units)');
  return value as number;
}

export function checkCurrency(value: unknown, problems: Problems): string {
  if (typeof value !== 'string' || !/^[A-Z]{3}$/.test(value))
    problems.add('currency', 'must be an ISO 4217 code, e.g. USD');
  return value as string;
}

/** Validates one descriptive field by name and returns its normalised value. */
export function checkDetail<K extends keyof ProductDetails>(
  field: K,
  value: unknown,
  problems: Problems,
): ProductDetails[K] {
  switch (field) {
    case 'name':
      return checkName(value, problems) as ProductDetails[K];
    case 'category':
      return checkCategory(value, problems) as ProductDetails[K];
    case 'images':
      if (value === null) problems.add('images', 'must be a list (empty to remove all)');
      return checkImages(value ?? [], problems) as ProductDetails[K];
    case 'specifications':
      if (value === null) problems.add('specifications', 'must be an object (empty to remove all)');
      return checkSpecifications(value ?? {}, problems) as ProductDetails[K];
    default:
      return checkOptionalText(field as OptionalDetail, value, problems) as ProductDetails[K];
  }
}
