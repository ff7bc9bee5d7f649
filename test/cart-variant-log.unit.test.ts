import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { domainMappers } from '../application/integration-events/mappers.ts';
import { emptyCartDoc } from '../application/read-models/cart-doc.ts';
import { cartDecider, lineKey } from '../domain/cart/cart.ts';
import { type CartEvent, cartEventSchemas } from '../domain/cart/events.ts';
import { fold } from '../domain/shared/decider.ts';
import { foldCartDoc } from '../projections/cart/cart-doc-fold.ts';

/**
 * A cart stream in the v2 shape (every event naming a line names its variant), written once by the decider
 * of 2026-12-05 and checked in as data: two variant lines of one product beside a plain one, a quantity
 * change, a removal, a reprice, a checkout, an expiry and a removal by quantity 0. Whatever shape later
 * events take, these must keep loading and folding to the same lines (the v1 log: frozen-log.int.test.ts).
 */
const log = readFileSync(new URL('./fixtures/cart-variant-lines-v2.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as { type: keyof typeof cartEventSchemas; data: unknown });
const events = log.map(({ type, data }) => ({ type, data: cartEventSchemas[type].parse(data) }) as CartEvent);
const upTo = (type: string, nth = 1) => {
  let seen = 0;
  return events.slice(0, events.findIndex((e) => e.type === type && ++seen === nth) + 1);
};

describe('the frozen cart log with variant lines (v2)', () => {
  it('validates every event unchanged against its schema', () => {
    for (const [i, { type, data }] of log.entries()) expect(events[i]!.data, type).toEqual(data);
    expect(new Set(events.map((e) => e.type))).toEqual(
      new Set([
        'CartCreated',
        'ItemAddedToCart',
        'CartItemQuantityChanged',
        'CartItemRemoved',
        'CartLineRepriced',
        'CartCheckedOut',
        'CartExpired',
      ]),
    );
  });

  it('removing one variant line leaves its sibling, in the aggregate and the read model alike', () => {
    const before = upTo('CartItemRemoved');
    const aggregate = fold(cartDecider, before).lines.map((l) => [lineKey(l), l.quantity, l.unitPrice]);
    const doc = before.reduce(foldCartDoc, emptyCartDoc()).lines;
    expect(aggregate).toEqual([
      ['prd_tee1~var_teem', 1, 2_000],
      ['prd_tee1~var_teel', 3, 2_200],
      ['prd_mug1', 1, 900],
    ]);
    expect(doc.map((l) => [lineKey(l), l.quantity, l.unitPrice])).toEqual(aggregate);
  });

  it('folds the whole stream to the same cart in the aggregate and the read model', () => {
    const state = fold(cartDecider, events);
    const doc = events.reduce(foldCartDoc, emptyCartDoc());
    expect(state.lines.map((l) => [l.variant?.sku, l.quantity])).toEqual([['TEE-L-RED', 1]]);
    expect(doc.lines.map((l) => [l.variant?.sku, l.quantity])).toEqual([['TEE-L-RED', 1]]);
    expect(state.lastOrder?.orderId).toBe('ord_fx1');
    expect(fold(cartDecider, upTo('CartCheckedOut')).lines).toEqual([]);
  });

  it('publishes each line with its variant on Kafka', () => {
    const drafts = events.flatMap((e) => domainMappers[e.type]?.(e.data as never) ?? []);
    const removed = drafts.find((d) => d.type === 'ItemRemovedFromCart');
    expect(removed?.fields).toMatchObject({
      product_id: 'prd_tee1',
      variant_id: 'var_tees',
      sku: 'TEE-S-RED',
    });
    const purchase = drafts.find((d) => d.type === 'PurchaseCompleted');
    const items = (purchase?.fields.items ?? []) as Record<string, unknown>[];
    expect(items.map((i) => i.sku ?? null)).toEqual(['TEE-M-RED', 'TEE-L-RED', null]);
  });
});
