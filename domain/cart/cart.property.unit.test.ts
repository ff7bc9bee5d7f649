import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fold } from '../shared/decider.ts';
import { DomainError } from '../shared/errors.ts';
import { type CartItemId, makeId } from '../shared/ids.ts';
import { parseRate } from '../shared/money.ts';
import { type CartState, cartDecider, MAX_LINE_QUANTITY } from './cart.ts';
import type { CartCommand, CartProduct } from './commands.ts';
import { type CartEvent, cartEventSchemas } from './events.ts';
import { cartView } from './totals.ts';

const userId = makeId('user', 'u1');
const now = '2026-01-15T10:00:00.000Z';
const products: CartProduct[] = [0, 1, 2].map((n) => ({
  productId: makeId('product', `p${n}`),
  name: `Product ${n}`,
  price: 100 * (n + 1) + 99,
  currency: 'USD',
  image: null,
  discontinued: n === 2,
}));

// Item ids: a few fixed ones, so later commands often hit lines that exist (and sometimes ones that do not).
const itemId = fc.integer({ min: 0, max: 5 }).map((n) => makeId('cartItem', `i${n}`) as CartItemId);
// Edges (0, 99, 100…) and large quantities, so merges often near the per-line limit and stock often suffices.
const quantity = fc.oneof(
  fc.integer({ min: -2, max: MAX_LINE_QUANTITY + 2 }),
  fc.integer({ min: 40, max: MAX_LINE_QUANTITY }),
);
const available = fc.oneof(fc.constant(300), fc.integer({ min: 0, max: 300 }));
const runs = { numRuns: 500 };

const command: fc.Arbitrary<CartCommand> = fc.oneof(
  fc
    .record({ product: fc.constantFrom(...products), cartItemId: itemId, quantity, available })
    .map((data): CartCommand => ({ type: 'AddItemToCart', data: { ...data, userId, now } })),
  fc
    .record({ cartItemId: itemId, quantity, available })
    .map((data): CartCommand => ({ type: 'ChangeCartItemQuantity', data: { ...data, userId, now } })),
  itemId.map((cartItemId): CartCommand => ({ type: 'RemoveCartItem', data: { userId, cartItemId, now } })),
  fc.constant<CartCommand>({ type: 'ClearCart', data: { userId, now } }),
  fc.constant<CartCommand>({ type: 'CheckOutCart', data: { userId, now } }),
);

/** Every key of stored event data, nested objects and arrays included. */
const dataFields = (value: unknown): string[] =>
  Array.isArray(value)
    ? value.flatMap(dataFields)
    : typeof value === 'object' && value !== null
      ? Object.entries(value).flatMap(([key, inner]) => [key, ...dataFields(inner)])
      : [];

/** Runs commands as the handler would: a refusal appends nothing. */
function run(commands: CartCommand[]) {
  let state: CartState = cartDecider.initialState();
  const history: CartEvent[] = [];
  for (const next of commands) {
    try {
      const events = cartDecider.decide(next, state);
      history.push(...events);
      state = events.reduce(cartDecider.evolve, state);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
    }
  }
  return { state, history };
}

describe('cart under any sequence of commands', () => {
  it('keeps every line within 1..99, one line per product, and never a discontinued product', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 40 }), (commands) => {
        const { state } = run(commands);
        for (const line of state.lines) {
          expect(line.quantity).toBeGreaterThanOrEqual(1);
          expect(line.quantity).toBeLessThanOrEqual(MAX_LINE_QUANTITY);
          expect(line.productId).not.toBe(products[2]?.productId);
        }
        expect(new Set(state.lines.map((line) => line.productId)).size).toBe(state.lines.length);
        expect(new Set(state.lines.map((line) => line.cartItemId)).size).toBe(state.lines.length);
      }),
      runs,
    );
  });

  it('decides only events that satisfy their schemas, with snake_case data fields only', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 40 }), (commands) => {
        for (const event of run(commands).history) {
          // toEqual after parse: zod drops unknown keys, so a field missing from the schema shows here.
          expect(cartEventSchemas[event.type].parse(event.data)).toEqual(event.data);
          expect(dataFields(event.data).filter((field) => !/^[a-z][a-z0-9_]*$/.test(field))).toEqual([]);
        }
      }),
      runs,
    );
  });

  it('folds its history, once or twice, to the same state, and its totals add up', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 40 }), (commands) => {
        const { state, history } = run(commands);
        expect(fold(cartDecider, history)).toEqual(state);
        expect(fold(cartDecider, history)).toEqual(fold(cartDecider, history));
        const view = cartView(state, { taxRate: parseRate('0.08') });
        expect(view.total).toBe(view.subtotal + view.tax);
        expect(view.item_count).toBe(state.lines.reduce((sum, line) => sum + line.quantity, 0));
      }),
      runs,
    );
  });
});
