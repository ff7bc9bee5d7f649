import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../shared/errors.ts';
import { given } from '../shared/given.ts';
import { makeId } from '../shared/ids.ts';
import type { ProductCommand, VariantOptions } from './commands.ts';
import { catalogEventSchemas, type ProductEvent, type ProductListed } from './events.ts';
import { productDecider } from './product.ts';

const productId = makeId('product', 'p1');
const v1 = makeId('variant', 'v1');
const v2 = makeId('variant', 'v2');
const t0 = '2026-01-15T10:00:00.000Z';
const t1 = '2026-01-15T11:00:00.000Z';
const product = given(productDecider);

const listed: ProductListed = {
  type: 'ProductListed',
  data: {
    schema_version: 1,
    product_id: productId,
    name: 'T-shirt',
    description: null,
    long_description: null,
    category: 'Apparel',
    subcategory: null,
    brand: null,
    sku: null,
    images: [],
    specifications: {},
    price: 2_000,
    currency: 'USD',
    listed_at: t0,
  },
};
const discontinued: ProductEvent = {
  type: 'ProductDiscontinued',
  data: { schema_version: 1, product_id: productId, discontinued_at: t0 },
};
const added = (
  variantId = v1,
  sku = 'TS-M-RED',
  options: VariantOptions = { size: 'M', color: 'red' },
  adjustment = 500,
): ProductEvent => ({
  type: 'VariantAdded',
  data: {
    schema_version: 1,
    product_id: productId,
    variant_id: variantId,
    sku,
    options,
    price_adjustment: adjustment,
    added_at: t0,
  },
});
const retired = (variantId = v1): ProductEvent => ({
  type: 'VariantRetired',
  data: { schema_version: 1, product_id: productId, variant_id: variantId, retired_at: t1 },
});

const add = (
  data: Partial<Extract<ProductCommand, { type: 'AddVariant' }>['data']> = {},
): ProductCommand => ({
  type: 'AddVariant',
  data: {
    productId,
    variantId: v1,
    sku: 'TS-M-RED',
    options: { size: 'M', color: 'red' },
    priceAdjustment: 500,
    now: t0,
    ...data,
  },
});
const change = (variantId: typeof v1, changes: Record<string, unknown>): ProductCommand => ({
  type: 'ChangeVariant',
  data: { productId, variantId, changes, now: t1 },
});
const retire = (variantId = v1): ProductCommand => ({
  type: 'RetireVariant',
  data: { productId, variantId, now: t1 },
});

const expectValid = (events: ProductEvent[]) => {
  for (const event of events) expect(catalogEventSchemas[event.type].parse(event.data)).toEqual(event.data);
};

describe('AddVariant', () => {
  it('adds a variant with its SKU, options and signed adjustment', () => {
    expectValid(product(listed).when(add()).thenEvents([added()]));
  });

  it('trims the SKU and the option names and values', () => {
    product(listed)
      .when(add({ sku: ' TS-M-RED ', options: { ' size': 'M ', color: ' red' } }))
      .thenEvents([added()]);
  });

  it('accepts a negative adjustment that leaves a positive price', () => {
    expectValid(
      product(listed)
        .when(add({ priceAdjustment: -1_999 }))
        .thenEvents([added(v1, 'TS-M-RED', { size: 'M', color: 'red' }, -1_999)]),
    );
  });

  it.each([
    ['an empty SKU', { sku: ' ' }, 'sku'],
    ['a SKU over 64 characters', { sku: 'x'.repeat(65) }, 'sku'],
    ['no options', { options: {} }, 'options'],
    ['an empty option value', { options: { size: ' ' } }, 'options'],
    ['an option named twice', { options: { size: 'M', Size: 'L' } }, 'options'],
    ['a fractional adjustment', { priceAdjustment: 1.5 }, 'price_adjustment'],
    ['an adjustment making the price zero', { priceAdjustment: -2_000 }, 'price_adjustment'],
  ])('refuses %s (VAL_2001 on %s)', (_, data, field) => {
    const error = product(listed)
      .when(add(data as never))
      .thenThrows(ErrorCode.ValidationFailed);
    expect(error.details.map((d) => d.field)).toContain(field);
  });

  it('refuses a SKU another variant uses, in any case, even a retired one (RES_3002)', () => {
    const error = product(listed, added(), retired())
      .when(add({ variantId: v2, sku: 'ts-m-red', options: { size: 'L' } }))
      .thenThrows(ErrorCode.AlreadyExists);
    expect(error.details).toEqual([{ field: 'sku', message: expect.any(String) }]);
  });

  it('refuses an options combination another variant has, in any order and case (RES_3002)', () => {
    const error = product(listed, added())
      .when(add({ variantId: v2, sku: 'OTHER', options: { Color: 'RED', size: 'm' } }))
      .thenThrows(ErrorCode.AlreadyExists);
    expect(error.details).toEqual([{ field: 'options', message: expect.any(String) }]);
  });

  it('accepts a combination that differs in one value', () => {
    product(listed, added())
      .when(add({ variantId: v2, sku: 'TS-L-RED', options: { size: 'L', color: 'red' } }))
      .thenEvents([added(v2, 'TS-L-RED', { size: 'L', color: 'red' })]);
  });

  it('refuses a variant of an unknown product (RES_3001) or a discontinued one (BIZ_4006)', () => {
    product().when(add()).thenThrows(ErrorCode.NotFound);
    product(listed, discontinued).when(add()).thenThrows(ErrorCode.IllegalStateTransition);
  });
});

describe('ChangeVariant', () => {
  it('emits only the fields that change', () => {
    const events = product(listed, added())
      .when(change(v1, { sku: 'TS-M-RED', priceAdjustment: 700 }))
      .thenEvents([
        {
          type: 'VariantChanged',
          data: {
            schema_version: 1,
            product_id: productId,
            variant_id: v1,
            changes: { price_adjustment: 700 },
            changed_at: t1,
          },
        },
      ]);
    expectValid(events);
  });

  it('decides nothing when nothing changes, and refuses an empty change', () => {
    product(listed, added())
      .when(change(v1, { sku: 'TS-M-RED' }))
      .thenEvents([]);
    product(listed, added()).when(change(v1, {})).thenThrows(ErrorCode.ValidationFailed);
  });

  it('lets a variant keep its own SKU but not take a sibling one (RES_3002)', () => {
    const both = product(listed, added(), added(v2, 'TS-L', { size: 'L' }));
    both.when(change(v2, { sku: 'TS-M-RED' })).thenThrows(ErrorCode.AlreadyExists);
    both.when(change(v2, { options: { size: 'M', color: 'red' } })).thenThrows(ErrorCode.AlreadyExists);
  });

  it('refuses an unknown variant (RES_3001) and a retired one (BIZ_4006)', () => {
    product(listed, added())
      .when(change(v2, { sku: 'X' }))
      .thenThrows(ErrorCode.NotFound);
    product(listed, added(), retired())
      .when(change(v1, { sku: 'X' }))
      .thenThrows(ErrorCode.IllegalStateTransition);
  });
});

describe('RetireVariant', () => {
  it('retires once; again is a no-op; unknown is RES_3001', () => {
    expectValid(product(listed, added()).when(retire()).thenEvents([retired()]));
    product(listed, added(), retired()).when(retire()).thenEvents([]);
    product(listed, added()).when(retire(v2)).thenThrows(ErrorCode.NotFound);
  });

  it('folds the variants into the product state; a product without variants has none', () => {
    expect('variants' in product(listed).state()).toBe(false);
    const state = product(listed, added(), retired()).state();
    expect(state.status === 'listed' && state.variants?.[v1]?.status).toBe('retired');
  });
});

describe('ChangePrice with variants', () => {
  const reprice = (price: number): ProductCommand => ({
    type: 'ChangePrice',
    data: { productId, price, now: t1 },
  });

  it('refuses a base price that would make an active variant cost zero or less', () => {
    const withCheap = product(listed, added(v1, 'A', { size: 'S' }, -1_500));
    withCheap.when(reprice(1_500)).thenThrows(ErrorCode.ValidationFailed);
    expect(withCheap.when(reprice(1_501)).events()).toHaveLength(1);
  });

  it('ignores retired variants', () => {
    const events = product(listed, added(v1, 'A', { size: 'S' }, -1_500), retired())
      .when(reprice(1_000))
      .events();
    expect(events.map((e) => e.type)).toEqual(['PriceChanged']);
  });
});
