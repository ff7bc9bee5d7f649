import { DomainError, ErrorCode, illegalTransition, notFound } from '../shared/errors.ts';
import { FieldProblems } from '../shared/field-problems.ts';
import type { ProductId, VariantId } from '../shared/ids.ts';
import type { AddVariant, ChangeVariant, RetireVariant, VariantOptions } from './commands.ts';
import type { VariantAdded, VariantChanged, VariantEvent, VariantRetired } from './variant-events.ts';

/** A variant as the product aggregate keeps it. Retired variants stay, so their SKU and options stay taken. */
export type Variant = {
  variantId: VariantId;
  sku: string;
  options: VariantOptions;
  priceAdjustment: number;
  status: 'active' | 'retired';
};
export type Variants = Readonly<Record<string, Variant>>;

/** What the variant rules need of the product. */
export type VariantHost = { productId: ProductId; price: number; variants?: Variants };

const maxSku = 64;
const maxOptions = 10;
const maxOptionText = 100;

/** The unit price of a variant: the product's base price plus its signed adjustment. */
export const variantPrice = (basePrice: number, variant: Pick<Variant, 'priceAdjustment'>) =>
  basePrice + variant.priceAdjustment;

export const activeVariants = (variants: Variants | undefined): Variant[] =>
  Object.values(variants ?? {}).filter((variant) => variant.status === 'active');

// Two combinations are the same when they name the same options with the same values, ignoring
// order and case: `{size:"M"}` and `{Size:"m"}` would show the shopper the same choice.
const combinationKey = (options: VariantOptions) =>
  JSON.stringify(
    Object.entries(options)
      .map(([name, value]) => [name.toLowerCase(), value.toLowerCase()])
      .sort(([a], [b]) => ((a ?? '') < (b ?? '') ? -1 : 1)),
  );

function checkSku(value: unknown, problems: FieldProblems): string {
  const sku = typeof value === 'string' ? value.trim() : '';
  if (sku.length < 1 || sku.length > maxSku) problems.add('sku', `must be 1 to ${maxSku} characters`);
  return sku;
}

function checkOptions(value: unknown, problems: FieldProblems): VariantOptions {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.add('options', 'must be an object of option name to value');
    return {};
  }
  const entries = Object.entries(value);
  if (entries.length < 1 || entries.length > maxOptions)
    problems.add('options', `must name 1 to ${maxOptions} options`);
  const options: VariantOptions = {};
  for (const [rawName, rawValue] of entries) {
    const name = rawName.trim();
    const text = typeof rawValue === 'string' ? rawValue.trim() : '';
    if (name.length < 1 || name.length > maxOptionText || text.length < 1 || text.length > maxOptionText)
      problems.add('options', `names and values must be texts of 1 to ${maxOptionText} characters`);
    else options[name] = text;
  }
  if (new Set(Object.keys(options).map((name) => name.toLowerCase())).size !== Object.keys(options).length)
    problems.add('options', 'an option is named twice');
  return options;
}

function checkAdjustment(value: unknown, basePrice: number, problems: FieldProblems): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    problems.add('price_adjustment', 'must be a whole number of minor units');
    return 0;
  }
  if (basePrice + value < 1) problems.add('price_adjustment', 'would make the price zero or less');
  return value;
}

/** 409 RES_3002 when another variant of the product already uses this SKU or combination. */
function checkUnique(host: VariantHost, self: VariantId, sku: string, options: VariantOptions) {
  const others = Object.values(host.variants ?? {}).filter((variant) => variant.variantId !== self);
  if (others.some((variant) => variant.sku.toLowerCase() === sku.toLowerCase()))
    throw new DomainError(ErrorCode.AlreadyExists, `SKU ${sku} is already used by a variant`, [
      { field: 'sku', message: 'already used by another variant of this product' },
    ]);
  const key = combinationKey(options);
  if (others.some((variant) => combinationKey(variant.options) === key))
    throw new DomainError(ErrorCode.AlreadyExists, 'This options combination already exists', [
      { field: 'options', message: 'already used by another variant of this product' },
    ]);
}

function findVariant(host: VariantHost, variantId: VariantId): Variant {
  const variant = host.variants?.[variantId];
  if (!variant) throw notFound('Variant', variantId);
  return variant;
}

export function addVariant({ data }: AddVariant, host: VariantHost): VariantAdded[] {
  if (host.variants?.[data.variantId]) throw new DomainError(ErrorCode.AlreadyExists, 'Variant exists');
  const problems = new FieldProblems();
  const sku = checkSku(data.sku, problems);
  const options = checkOptions(data.options, problems);
  const priceAdjustment = checkAdjustment(data.priceAdjustment, host.price, problems);
  problems.throwIfAny();
  checkUnique(host, data.variantId, sku, options);
  return [
    {
      type: 'VariantAdded',
      data: {
        schema_version: 1,
        product_id: host.productId,
        variant_id: data.variantId,
        sku,
        options,
        price_adjustment: priceAdjustment,
        added_at: data.now,
      },
    },
  ];
}

// Like product details: only what actually changes is emitted, and a change of nothing decides no event.
export function changeVariant({ data }: ChangeVariant, host: VariantHost): VariantChanged[] {
  const variant = findVariant(host, data.variantId);
  if (variant.status === 'retired') throw illegalTransition('variant', 'retired', 'change');
  const { sku: newSku, options: newOptions, priceAdjustment: newAdjustment } = data.changes;
  if (newSku === undefined && newOptions === undefined && newAdjustment === undefined)
    throw new DomainError(ErrorCode.ValidationFailed, 'give at least one field to change', [
      { field: 'body', message: 'give sku, options or price_adjustment' },
    ]);
  const problems = new FieldProblems();
  const sku = newSku === undefined ? variant.sku : checkSku(newSku, problems);
  const options = newOptions === undefined ? variant.options : checkOptions(newOptions, problems);
  const adjustment =
    newAdjustment === undefined
      ? variant.priceAdjustment
      : checkAdjustment(newAdjustment, host.price, problems);
  problems.throwIfAny();
  checkUnique(host, variant.variantId, sku, options);
  const changes: VariantChanged['data']['changes'] = {};
  if (sku !== variant.sku) changes.sku = sku;
  if (JSON.stringify(options) !== JSON.stringify(variant.options)) changes.options = options;
  if (adjustment !== variant.priceAdjustment) changes.price_adjustment = adjustment;
  if (Object.keys(changes).length === 0) return [];
  const event = {
    schema_version: 1 as const,
    product_id: host.productId,
    variant_id: variant.variantId,
    changes,
    changed_at: data.now,
  };
  return [{ type: 'VariantChanged', data: event }];
}

// Retiring twice is a no-op, as discontinuing is: a retried POST succeeds and appends nothing.
export function retireVariant({ data }: RetireVariant, host: VariantHost): VariantRetired[] {
  const variant = findVariant(host, data.variantId);
  if (variant.status === 'retired') return [];
  return [
    {
      type: 'VariantRetired',
      data: {
        schema_version: 1,
        product_id: host.productId,
        variant_id: variant.variantId,
        retired_at: data.now,
      },
    },
  ];
}

/** Folds a variant event into the product's variants. */
export function evolveVariants(variants: Variants | undefined, event: VariantEvent): Variants {
  const all = variants ?? {};
  const { variant_id: variantId } = event.data;
  const variant = all[variantId];
  switch (event.type) {
    case 'VariantAdded': {
      const { sku, options, price_adjustment: priceAdjustment } = event.data;
      return { ...all, [variantId]: { variantId, sku, options, priceAdjustment, status: 'active' } };
    }
    case 'VariantChanged': {
      if (!variant) return all;
      const { sku, options, price_adjustment: priceAdjustment } = event.data.changes;
      return {
        ...all,
        [variantId]: {
          ...variant,
          ...(sku !== undefined ? { sku } : {}),
          ...(options !== undefined ? { options } : {}),
          ...(priceAdjustment !== undefined ? { priceAdjustment } : {}),
        },
      };
    }
    case 'VariantRetired':
      if (!variant) return all;
      return { ...all, [variantId]: { ...variant, status: 'retired' } };
  }
}
