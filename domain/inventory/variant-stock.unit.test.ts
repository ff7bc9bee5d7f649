import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../shared/errors.ts';
import { given } from '../shared/given.ts';
import { makeId } from '../shared/ids.ts';
import type { StockCommand } from './commands.ts';
import { inventoryEventSchemas, type StockEvent, upcastStockData } from './events.ts';
import { stockDecider, stockStream, stockView } from './stock.ts';

const productId = makeId('product', 'tee');
const variantId = makeId('variant', 'm_red');
const rsv = makeId('reservation', '1');
const T0 = '2026-01-15T10:00:00Z';
const T_EXP = '2026-01-15T10:10:00Z';
const stock = given(stockDecider);

const receivedV2 = (quantity: number, on_hand: number): StockEvent => ({
  type: 'StockReceived',
  data: { schema_version: 2, product_id: productId, variant_id: variantId, quantity, on_hand, reserved: 0 },
});
const receive = (quantity: number, variant = true): StockCommand => ({
  type: 'ReceiveStock',
  data: { productId, ...(variant ? { variantId } : {}), quantity },
});
const reserve = (quantity: number): StockCommand => ({
  type: 'ReserveStock',
  data: { productId, variantId, reservationId: rsv, quantity, expiresAt: T_EXP, now: T0 },
});

describe("a variant's stock item", () => {
  it('lives in its own stream beside the product-level one', () => {
    expect(stockStream(productId)).toBe('stock-prd_tee');
    expect(stockStream(productId, variantId)).toBe('stock-prd_tee~var_m_red');
  });

  it('writes v2 events naming the variant, valid against the schema', () => {
    const [event] = stock()
      .when(receive(5))
      .thenEvents([receivedV2(5, 5)]);
    expect(inventoryEventSchemas.StockReceived.parse(event?.data)).toEqual(event?.data);
  });

  it('keeps writing v1, without variant_id, for a product without variants', () => {
    const [event] = stock().when(receive(5, false)).events();
    expect(event?.data).toEqual({
      schema_version: 1,
      product_id: productId,
      quantity: 5,
      on_hand: 5,
      reserved: 0,
    });
  });

  it('reserves within its own levels and refuses more (BIZ_4001)', () => {
    const events = stock(receivedV2(3, 3)).when(reserve(3)).events();
    expect(events[0]?.data).toMatchObject({ schema_version: 2, variant_id: variantId, reserved: 3 });
    stock(receivedV2(3, 3)).when(reserve(4)).thenThrows(ErrorCode.InsufficientStock);
  });

  it('refuses a command for another variant, or for the product level, on its stream', () => {
    stock(receivedV2(3, 3)).when(receive(1, false)).thenThrows(ErrorCode.ValidationFailed);
    const other = makeId('variant', 'l_red');
    stock(receivedV2(3, 3))
      .when({ type: 'ReceiveStock', data: { productId, variantId: other, quantity: 1 } })
      .thenThrows(ErrorCode.ValidationFailed);
  });

  it('folds the variant into the state; a product-level state has no variant field', () => {
    expect(stock(receivedV2(3, 3)).state()).toMatchObject({ variantId, onHand: 3 });
    const [v1] = stock().when(receive(2, false)).events();
    expect('variantId' in stock(v1 as StockEvent).state()).toBe(false);
    expect(stockView(stock(receivedV2(3, 3)).state())).toEqual({ on_hand: 3, reserved: 0, available: 3 });
  });
});

describe('upcastStockData', () => {
  it('reads a v1 event as v2 with variant_id null, and leaves v2 as it is', () => {
    const v1 = { schema_version: 1 as const, product_id: productId, quantity: 1, on_hand: 1, reserved: 0 };
    expect(upcastStockData(v1)).toEqual({ ...v1, schema_version: 2, variant_id: null });
    expect(upcastStockData(receivedV2(1, 1).data)).toEqual(receivedV2(1, 1).data);
  });
});
