import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../infra/eventstore/port.ts';
import { answer, commandClient } from './api-client/clients.ts';
import type { components } from './api-client/command-api.d.ts';
import { type PricingShop, startPricingShop, withExampleRules } from './support/pricing-shop.ts';

/** The cart and checkout price each line through the engine (rules and tier from the pricing read model). */
let shop: PricingShop;
let laptop: string;
let customer: Awaited<ReturnType<PricingShop['customer']>>;

/**
 * Steps in between a request's reads and appends: armed, the command API's `skip + 1`-th read (or append)
 * of `stream` first runs `run` to completion (another request, say), then goes on. Inert unless armed.
 */
let interleave: { on: 'read' | 'append'; stream: string; skip: number; run: () => Promise<void> } | undefined;
const stepIn = async (on: 'read' | 'append', stream: string) => {
  const armed = interleave;
  if (!armed || armed.on !== on || armed.stream !== stream) return;
  if (armed.skip > 0) armed.skip -= 1;
  else {
    interleave = undefined;
    await armed.run();
  }
};
const steppingIn = (store: EventStore): EventStore => ({
  ...store,
  async readStream(stream, options) {
    await stepIn('read', stream);
    return store.readStream(stream, options);
  },
  async appendToStream(stream, events, options) {
    await stepIn('append', stream);
    return store.appendToStream(stream, events, options);
  },
});

beforeAll(async () => {
  shop = await startPricingShop('cart_pricing_e2e', { wrapStore: steppingIn });
  laptop = await shop.product(500);
  customer = await withExampleRules(shop);
});

afterAll(async () => {
  await shop?.close();
});

// Through the clients generated from docs/openapi/*.json (test/support/pricing-shop.ts).
type Schemas = components['schemas'];
const addToCart = (bearer: string, body: Schemas['postCartAddBody']) =>
  answer(shop.as(bearer).POST('/api/v1/cart/add', { body }));
const placeOrder = (bearer: string) =>
  answer(shop.as(bearer).POST('/api/v1/orders', { body: shop.orderBody() }));
const viewCart = (bearer: string) => answer(shop.reads(bearer).GET('/api/v1/cart'));

describe('the cart priced by the engine', () => {
  it('adds at the quantity break and tier price, and reprices when the quantity changes', async () => {
    const added = await addToCart(customer.accessToken, { product_id: laptop, quantity: 10 });
    expect(added.status).toBe(200);
    // 500.00 → 10 % for ten → 450.00 → gold 15 % → 382.50
    const line = {
      quantity: 10,
      list_price: 500,
      unit_price: 382.5,
      price: 382.5,
      subtotal: 3825,
      applied_rules: [
        { rule_id: expect.stringMatching(/^prl_/), step: 'quantity', label: 'Ten or more' },
        { rule_id: expect.stringMatching(/^prl_/), step: 'tier', label: 'Gold members' },
      ],
    };
    expect(added.body).toMatchObject({ items: [line], subtotal: 3825, discount: 0, coupon: null, tax: 306 });
    await shop.settle();
    const viewed = await viewCart(customer.accessToken);
    expect(viewed.status).toBe(200);
    expect(viewed.body).toMatchObject({ items: [{ ...line, in_stock: true }], subtotal: 3825, discount: 0 });

    // A tier change reaches the cart view through the pricing projection, without touching the cart.
    await shop.setTier(customer.userId, { tier: 'none' });
    await shop.settle();
    const untiered = await viewCart(customer.accessToken);
    expect(untiered.body.items[0]).toMatchObject({ list_price: 500, unit_price: 450 });
    expect(untiered.body.items[0]!.applied_rules).toHaveLength(1);
    await shop.setTier(customer.userId, { tier: 'gold' });
    await shop.settle();

    const lowered = await answer(
      shop.as(customer.accessToken).PUT('/api/v1/cart/update', {
        body: { cart_item_id: added.body.items[0]!.cart_item_id, quantity: 5 },
      }),
    );
    expect(lowered.status).toBe(200);
    expect(lowered.body.items[0]).toMatchObject({ quantity: 5, price: 425, subtotal: 2125 });
  });

  it('ten concurrent adds of one cross the quantity break: the line is priced for ten, the order goes through', async () => {
    const buyer = await shop.customer();
    const adds = await Promise.all(
      Array.from({ length: 10 }, () => addToCart(buyer.accessToken, { product_id: laptop, quantity: 1 })),
    );
    expect(adds.map((added) => added.status)).toEqual(Array(10).fill(200));
    // Whichever add landed last merged the tenth unit: its price is the one for ten (500.00 - 10 %), not
    // one computed for the quantity an earlier read saw, which checkout would refuse as a price change.
    const placed = await placeOrder(buyer.accessToken);
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ subtotal: 4500, discount: 0 });
  });

  it('an add overtaken by another add reaches the break: priced for the quantity it lands on', async () => {
    const buyer = await shop.customer();
    await addToCart(buyer.accessToken, { product_id: laptop, quantity: 8 });
    // Just before this add appends, another add of one lands (9): this one's append then meets a
    // conflict, and it is decided again on the fresh cart, where it makes ten.
    interleave = {
      on: 'append',
      stream: `cart-${buyer.userId}`,
      skip: 0,
      run: async () => {
        expect((await addToCart(buyer.accessToken, { product_id: laptop, quantity: 1 })).status).toBe(200);
      },
    };
    const added = await addToCart(buyer.accessToken, { product_id: laptop, quantity: 1 });
    expect(interleave).toBeUndefined();
    expect(added.body.items[0]).toMatchObject({ quantity: 10, price: 450 });
    const placed = await placeOrder(buyer.accessToken);
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ subtotal: 4500 });
  });

  it('concurrent quantity changes across the break: the line keeps the price for the quantity it ends at', async () => {
    const buyer = await shop.customer();
    const added = await addToCart(buyer.accessToken, { product_id: laptop, quantity: 1 });
    const cart_item_id = added.body.items[0]!.cart_item_id;
    const updates = await Promise.all(
      [10, 5, 10, 5, 10, 5, 10, 5].map((quantity) =>
        answer(shop.as(buyer.accessToken).PUT('/api/v1/cart/update', { body: { cart_item_id, quantity } })),
      ),
    );
    expect(updates.map((updated) => updated.status)).toEqual(Array(8).fill(200));
    // 500.00 each for five, 450.00 for ten: whichever quantity landed last, its price came with it.
    const placed = await placeOrder(buyer.accessToken);
    expect(placed.status).toBe(201);
    expect([2500, 4500]).toContain(placed.body.subtotal);
  });

  it('an update that finds its quantity changed under it by another update reprices for the quantity it sets', async () => {
    const buyer = await shop.customer();
    const added = await addToCart(buyer.accessToken, { product_id: laptop, quantity: 10 });
    expect(added.body.items[0]).toMatchObject({ quantity: 10, price: 450 });
    const cart_item_id = added.body.items[0]!.cart_item_id;
    const update = (quantity: number) =>
      answer(shop.as(buyer.accessToken).PUT('/api/v1/cart/update', { body: { cart_item_id, quantity } }));
    // Asked for the quantity the line has (10). Its route reads the cart (skipped); deciding on the cached
    // cart finds nothing to change, so the handler reads the cart again, and just before that read another
    // update sets 5 and reprices the line to 500.00. The first update then sets 10 again after all.
    let lowered: Awaited<ReturnType<typeof update>> | undefined;
    interleave = {
      on: 'read',
      stream: `cart-${buyer.userId}`,
      skip: 1,
      run: async () => {
        lowered = await update(5);
      },
    };
    const raised = await update(10);
    expect(interleave).toBeUndefined();
    expect(lowered?.body.items[0]).toMatchObject({ quantity: 5, price: 500 });
    // The line is ten again, so it takes the price for ten, and checkout charges it without a refusal.
    expect(raised.body.items[0]).toMatchObject({ quantity: 10, price: 450 });
    const placed = await placeOrder(buyer.accessToken);
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ subtotal: 4500 });
  });

  it('a guest cart merged at login is priced for the customer: the quantity reached and their tier', async () => {
    const guest = await answer(
      commandClient(shop.command.url).POST('/api/v1/cart/add', { body: { product_id: laptop, quantity: 4 } }),
    );
    expect(guest.status).toBe(200);
    const buyer = await shop.customer();
    await shop.setTier(buyer.userId, { tier: 'gold' });
    await shop.settle();
    await addToCart(buyer.accessToken, { product_id: laptop, quantity: 6 });
    const login = await answer(
      commandClient(shop.command.url).POST('/api/v1/users/login', {
        headers: { 'X-Cart-Token': guest.headers.get('x-cart-token')! },
        body: { email: buyer.email, password: buyer.password },
      }),
    );
    expect(login.status).toBe(200);
    // Six held and four merged reach the break: 500.00 → 10 % for ten → 450.00 → gold 15 % → 382.50,
    // the price checkout charges; a line merged at the catalog price would be refused there (BIZ_4005).
    const placed = await placeOrder(buyer.accessToken);
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ subtotal: 3825, discount: 0 });
  });

  it('a rule on a category prices the lines of products filed under it, the cart and the order alike', async () => {
    const garden = await answer(shop.admin.POST('/api/v1/categories', { body: { name: 'Garden' } }));
    await answer(
      shop.admin.POST('/api/v1/categories', {
        body: { name: 'Garden Tools', parent_slug: garden.body.slug },
      }),
    );
    const rake = await shop.product(20, 'garden tools'); // filed by the child's name, any case
    await shop.addRule({ name: 'Garden sale', kind: 'sale', percent_off: 25, scope: { category: 'garden' } });
    await shop.settle();
    const buyer = await shop.customer();
    const added = await addToCart(buyer.accessToken, { product_id: rake, quantity: 2 });
    expect(added.body.items).toMatchObject([{ list_price: 20, unit_price: 15 }]);
    expect((await viewCart(buyer.accessToken)).body.items).toMatchObject([{ unit_price: 15 }]);
    const placed = await placeOrder(buyer.accessToken);
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ subtotal: 30, items: [{ unit_price: 15, quantity: 2 }] });
  });

  it('refuses an order with BIZ_4005 when a sale started after adding, then charges the sale price', async () => {
    await shop.addRule({
      name: 'Spring sale',
      kind: 'sale',
      percent_off: 20,
      scope: { product_id: laptop },
    });
    await shop.settle();
    const refused = await placeOrder(customer.accessToken);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('BIZ_4005');
    // 500.00 → sale 20 % → 400.00 → gold 15 % → 340.00
    expect(refused.body.error.details).toEqual([
      {
        field: `items.${laptop}.unit_price`,
        message: expect.stringContaining('from 425.00 USD to 340.00 USD'),
      },
    ]);
    const placed = await placeOrder(customer.accessToken);
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ subtotal: 1700, items: [{ unit_price: 340, quantity: 5 }] });
  });

  it('a price raised from 10.00 to 100.00 after adding: BIZ_4005, the cart shows 100.00, then charged 100.00', async () => {
    const cheap = await shop.product(10, 'Cables');
    const buyer = await shop.customer();
    await addToCart(buyer.accessToken, { product_id: cheap, quantity: 1 });
    await shop.admin.PUT('/api/v1/products/{product_id}/price', {
      params: { path: { product_id: cheap } },
      body: { price: 100 },
    });
    const refused = await placeOrder(buyer.accessToken);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: 'BIZ_4005',
      details: [
        {
          field: `items.${cheap}.unit_price`,
          message: expect.stringContaining('from 10.00 USD to 100.00 USD'),
        },
      ],
    });
    await shop.settle();
    const cart = await viewCart(buyer.accessToken);
    expect(cart.body.items[0]).toMatchObject({ list_price: 100, unit_price: 100 });
    const placed = await placeOrder(buyer.accessToken);
    expect(placed.status).toBe(201);
    // 100.00 + tax 8.00, free shipping at 100.00
    expect(placed.body).toMatchObject({ status: 'confirmed', subtotal: 100, discount: 0, total: 108 });
  });
});
