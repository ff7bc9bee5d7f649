import type { RedisDocWriter } from '../../application/projection-runner/redis-docs.ts';
import type { RedisApplyContext, RedisProjection } from '../../application/projection-runner/types.ts';
import { type CartDoc, emptyCartDoc, type StockDoc } from '../../application/read-models/cart-doc.ts';
import { cartKey, stockKey } from '../../application/read-models/cart-keys.ts';
import { type CartEvent, cartEventSchemas } from '../../domain/cart/events.ts';
import { inventoryEventSchemas } from '../../domain/inventory/events.ts';
import { itemKey } from '../../domain/shared/line-key.ts';
import type { RecordedEvent } from '../../infra/eventstore/port.ts';
import { foldCartDoc } from './cart-doc-fold.ts';

type CartEventType = keyof typeof cartEventSchemas;
type InventoryEventType = keyof typeof inventoryEventSchemas;

const isCartEvent = (type: string): type is CartEventType => type in cartEventSchemas;
const isInventoryEvent = (type: string): type is InventoryEventType => type in inventoryEventSchemas;

/** Each key it writes is named stale too: the query API caches these documents in process (cart-queries.ts). */
async function apply(event: RecordedEvent, docs: RedisDocWriter, context: RedisApplyContext) {
  if (isCartEvent(event.type)) {
    const data = cartEventSchemas[event.type].parse(event.data);
    const cartEvent = { type: event.type, data } as CartEvent;
    context.invalidate(cartKey(data.user_id));
    await docs.update<CartDoc>(cartKey(data.user_id), (current) =>
      foldCartDoc(current ?? emptyCartDoc(), cartEvent),
    );
    return;
  }
  if (isInventoryEvent(event.type)) {
    // Every inventory event carries the levels after it: the document is simply set.
    const data = inventoryEventSchemas[event.type].parse(event.data);
    context.invalidate(stockKey(itemKey(data)));
    await docs.update<StockDoc>(stockKey(itemKey(data)), () => ({
      available: data.on_hand - data.reserved,
    }));
  }
}

/** The one key an event touches, read from its data without validating it (apply validates). */
function keys(event: RecordedEvent): readonly string[] {
  const data = event.data as { user_id?: unknown; product_id?: unknown; variant_id?: unknown } | null;
  if (isCartEvent(event.type)) return typeof data?.user_id === 'string' ? [cartKey(data.user_id)] : [];
  if (isInventoryEvent(event.type) && typeof data?.product_id === 'string')
    return [stockKey(itemKey({ product_id: data.product_id, variant_id: data.variant_id as string | null }))];
  return [];
}

/**
 * Carts per user in Redis, with each product's availability beside them (from the inventory events), so
 * GET /cart is one key read plus one pipelined read of its lines' stock. Guarded by position per key.
 */
export const cartProjection: RedisProjection = {
  kind: 'redis',
  name: 'cart',
  eventTypes: [...Object.keys(cartEventSchemas), ...Object.keys(inventoryEventSchemas)],
  apply,
  keys,
};
