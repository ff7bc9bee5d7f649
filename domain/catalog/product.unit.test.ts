import { describe, expect, it } from 'vitest';
import type { CartProduct } from '../cart/commands.ts';
import { fold } from '../shared/decider.ts';
import { ErrorCode } from '../shared/errors.ts';
import { given } from '../shared/given.ts';
import { makeId } from '../shared/ids.ts';
import type { ProductCommand } from './commands.ts';
import { catalogEventSchemas, type ProductEvent, type ProductListed } from './events.ts';
import { productDecider, productForCart, productStream } from './product.ts';

const productId = makeId('product', 'p1');
const t0 = '2026-01-15T10:00:00.000Z';
const t1 = '2026-01-15T11:00:00.000Z';
const product = given(productDecider);

const listProduct = (data: Partial<Extract<ProductCommand, { type: 'ListProduct' }>['data']> = {}) =>
  ({
    type: 'ListProduct',
    data: { productId, name: 'Laptop', price: 99_999, category: 'Electronics', now: t0, ...data },
  }) as const satisfies ProductCommand;

const productListed = (data: Partial<ProductListed['data']> = {}): ProductListed => ({
  type: 'ProductListed',
  data: {
    schema_version: 1,
    product_id: productId,
    name: 'Laptop',
    description: null,
    long_description: null,
    category: 'Electronics',
    subcategory: null,
    brand: null,
    sku: null,
    images: [],
    specifications: {},
    price: 99_999,
    currency: 'USD',
    listed_at: t0,
    ...data,
  },
});

const discontinued: ProductEvent = {
  type: 'ProductDiscontinued',
  data: { schema_version: 1, product_id: productId, discontinued_at: t0 },
};

const changeDetails = (changes: Record<string, unknown>): ProductCommand => ({
  type: 'ChangeProductDetails',
  data: { productId, changes, now: t1 },
});
const changePrice = (price: number, currency?: string): ProductCommand => ({
  type: 'ChangePrice',
  data: { productId, price, now: t1, ...(currency ? { currency } : {}) },
});
const discontinue: ProductCommand = { type: 'DiscontinueProduct', data: { productId, now: t1 } };

/**
 * Every decided event must satisfy the schema it is documented with, and store snake_case fields
 * (`changes` included; specification keys are the admin's own, so they are not checked).
 */
const expectValid = (events: ProductEvent[]) => {
  for (const event of events) {
    expect(catalogEventSchemas[event.type].parse(event.data)).toEqual(event.data);
    const fields = [
      ...Object.keys(event.data),
      ...Object.keys('changes' in event.data ? event.data.changes : {}),
    ];
    expect(fields.filter((field) => !/^[a-z][a-z0-9_]*$/.test(field))).toEqual([]);
  }
};

describe('ListProduct', () => {
  it('lists a new product with defaults (USD, empty optionals)', () => {
    const events = product().when(listProduct()).thenEvents([productListed()]);
    expectValid(events);
  });

  it('lists every descriptive field, trimming names and labels', () => {
    const full = {
      name: '  Laptop Pro ',
      description: 'Fast',
      currency: 'EUR',
      subcategory: ' Laptops',
      brand: 'Acme ',
      sku: 'LP-1',
      images: ['https://img/1.png', 'https://img/2.png'],
      specifications: { ram: '32 GB', ports: ['usb-c', 'hdmi'], weight: 1.2 },
    };
    const events = product()
      .when(listProduct({ ...full, longDescription: 'Very fast.' }))
      .thenEvents([
        productListed({
          ...full,
          long_description: 'Very fast.',
          name: 'Laptop Pro',
          subcategory: 'Laptops',
          brand: 'Acme',
        }),
      ]);
    expectValid(events);
  });

  it('accepts a name of exactly 255 characters', () => {
    const events = product()
      .when(listProduct({ name: 'x'.repeat(255) }))
      .events();
    expect(events).toHaveLength(1);
  });

  it('refuses to list a product twice (RES_3002)', () => {
    product(productListed()).when(listProduct()).thenThrows(ErrorCode.AlreadyExists);
  });

  it.each([
    ['an empty name', { name: '  ' }, 'name'],
    ['a name over 255 characters', { name: 'x'.repeat(256) }, 'name'],
    ['a zero price', { price: 0 }, 'price'],
    ['a negative price', { price: -100 }, 'price'],
    ['a fractional price', { price: 10.5 }, 'price'],
    ['a lower-case currency', { currency: 'usd' }, 'currency'],
    ['a missing category', { category: '' }, 'category'],
    ['images that are not strings', { images: [42 as unknown as string] }, 'images'],
    [
      'specifications that are a list',
      { specifications: [] as unknown as Record<string, string> },
      'specifications',
    ],
    ['an overlong sku', { sku: 'x'.repeat(65) }, 'sku'],
  ])('refuses %s (VAL_2001 naming the field)', (_, data, field) => {
    const error = product().when(listProduct(data)).thenThrows(ErrorCode.ValidationFailed);
    expect(error.details.map((detail) => detail.field)).toEqual([field]);
  });

  it('names every bad field in one refusal, in API field names', () => {
    const error = product()
      .when(listProduct({ name: '', price: 0, longDescription: 'x'.repeat(100_001) }))
      .thenThrows(ErrorCode.ValidationFailed);
    expect(error.details.map((detail) => detail.field)).toEqual(['name', 'long_description', 'price']);
  });
});

describe('ChangeProductDetails', () => {
  it('records only the fields that change, with their new values', () => {
    const events = product(productListed({ brand: 'Acme' }))
      .when(changeDetails({ name: 'Laptop 2', brand: 'Acme', description: 'New', images: ['a.png'] }))
      .thenEvents([
        {
          type: 'ProductDetailsChanged',
          data: {
            schema_version: 1,
            product_id: productId,
            changes: { name: 'Laptop 2', description: 'New', images: ['a.png'] },
            changed_at: t1,
          },
        },
      ]);
    expectValid(events);
  });

  it('stores changes under snake_case field names and folds them back into the details', () => {
    const events = product(productListed())
      .when(changeDetails({ longDescription: 'Now with more ports.' }))
      .thenEvents([
        {
          type: 'ProductDetailsChanged',
          data: {
            schema_version: 1,
            product_id: productId,
            changes: { long_description: 'Now with more ports.' },
            changed_at: t1,
          },
        },
      ]);
    expectValid(events);
    const state = fold(productDecider, [productListed(), ...events]);
    expect(state).toMatchObject({ details: { longDescription: 'Now with more ports.' } });
    expect(state).not.toHaveProperty('details.long_description');
  });

  it('clears an optional field given as null', () => {
    product(productListed({ brand: 'Acme' }))
      .when(changeDetails({ brand: null }))
      .thenEvents([
        {
          type: 'ProductDetailsChanged',
          data: { schema_version: 1, product_id: productId, changes: { brand: null }, changed_at: t1 },
        },
      ]);
  });

  it('decides nothing when every given value is already the current one', () => {
    product(productListed())
      .when(changeDetails({ name: 'Laptop', category: 'Electronics' }))
      .thenEvents([]);
  });

  it('refuses a change naming no descriptive field (VAL_2001)', () => {
    product(productListed()).when(changeDetails({})).thenThrows(ErrorCode.ValidationFailed);
    product(productListed())
      .when(changeDetails({ price: 5 }))
      .thenThrows(ErrorCode.ValidationFailed);
  });

  it.each([
    ['an empty name', { name: '' }, 'name'],
    ['a null category', { category: null }, 'category'],
    ['null images', { images: null }, 'images'],
    ['null specifications', { specifications: null }, 'specifications'],
  ])('refuses %s (VAL_2001)', (_, changes, field) => {
    const error = product(productListed())
      .when(changeDetails(changes))
      .thenThrows(ErrorCode.ValidationFailed);
    expect(error.details[0]?.field).toBe(field);
  });

  it('refuses an unknown product (RES_3001)', () => {
    product()
      .when(changeDetails({ name: 'X' }))
      .thenThrows(ErrorCode.NotFound);
  });

  it('refuses to change a discontinued product (BIZ_4006)', () => {
    product(productListed(), discontinued)
      .when(changeDetails({ name: 'X' }))
      .thenThrows(ErrorCode.IllegalStateTransition);
  });
});

describe('ChangePrice', () => {
  it('records the old and the new price', () => {
    const events = product(productListed())
      .when(changePrice(89_999, 'USD'))
      .thenEvents([
        {
          type: 'PriceChanged',
          data: {
            schema_version: 1,
            product_id: productId,
            old_price: 99_999,
            new_price: 89_999,
            currency: 'USD',
            changed_at: t1,
          },
        },
      ]);
    expectValid(events);
  });

  it('decides nothing when the price is unchanged', () => {
    product(productListed()).when(changePrice(99_999)).thenEvents([]);
  });

  it.each([0, -1, 1.5])('refuses price %s (VAL_2001)', (price) => {
    product(productListed()).when(changePrice(price)).thenThrows(ErrorCode.ValidationFailed);
  });

  it('refuses another currency (VAL_2001 on currency)', () => {
    const error = product(productListed())
      .when(changePrice(100, 'EUR'))
      .thenThrows(ErrorCode.ValidationFailed);
    expect(error.details).toEqual([{ field: 'currency', message: "must be USD, the product's currency" }]);
  });

  it('refuses an unknown product (RES_3001)', () => {
    product().when(changePrice(100)).thenThrows(ErrorCode.NotFound);
  });

  it('refuses a discontinued product (BIZ_4006)', () => {
    product(productListed(), discontinued)
      .when(changePrice(100))
      .thenThrows(ErrorCode.IllegalStateTransition);
  });
});

describe('DiscontinueProduct', () => {
  it('discontinues a listed product', () => {
    const events = product(productListed())
      .when(discontinue)
      .thenEvents([
        {
          type: 'ProductDiscontinued',
          data: { schema_version: 1, product_id: productId, discontinued_at: t1 },
        },
      ]);
    expectValid(events);
  });

  it('is a no-op the second time', () => {
    product(productListed(), discontinued).when(discontinue).thenEvents([]);
  });

  it('refuses an unknown product (RES_3001)', () => {
    product().when(discontinue).thenThrows(ErrorCode.NotFound);
  });
});

describe('product state', () => {
  it('folds listing, changes, price and discontinuation', () => {
    const state = fold(productDecider, [
      productListed({ images: ['a.png', 'b.png'], long_description: 'Long.' }),
      {
        type: 'ProductDetailsChanged',
        data: { schema_version: 1, product_id: productId, changes: { name: 'Laptop 2' }, changed_at: t1 },
      },
      {
        type: 'PriceChanged',
        data: {
          schema_version: 1,
          product_id: productId,
          old_price: 99_999,
          new_price: 5_000,
          currency: 'USD',
          changed_at: t1,
        },
      },
    ]);
    // Typed as the cart's own input, so the two contexts cannot drift apart unnoticed.
    const forCart: CartProduct | null = productForCart(state);
    expect(forCart).toEqual({
      productId,
      name: 'Laptop 2',
      price: 5_000,
      currency: 'USD',
      image: 'a.png',
      discontinued: false,
    });
    expect(state).toEqual({
      status: 'listed',
      productId,
      details: {
        name: 'Laptop 2',
        description: null,
        longDescription: 'Long.',
        category: 'Electronics',
        subcategory: null,
        brand: null,
        sku: null,
        images: ['a.png', 'b.png'],
        specifications: {},
      },
      price: 5_000,
      currency: 'USD',
      listedAt: t0,
      updatedAt: t1,
      discontinuedAt: null,
    });
    const ended = productDecider.evolve(state, discontinued);
    expect(productForCart(ended)?.discontinued).toBe(true);
    expect(ended).toMatchObject({ status: 'discontinued', discontinuedAt: t0 });
  });

  it('gives nothing to the cart for a product never listed', () => {
    expect(productForCart(productDecider.initialState())).toBeNull();
  });

  it('names its stream product-<id>', () => {
    expect(productStream(productId)).toBe('product-prd_p1');
  });
});
