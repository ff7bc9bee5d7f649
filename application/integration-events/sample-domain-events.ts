import type { EventMetadata, RecordedEvent } from '../../infra/eventstore/port.ts';
import { sampleCatalogEvents } from './sample-catalog-events.ts';
import { type SampleEvent, samplePricingEvents } from './sample-pricing-events.ts';

/**
 * One valid domain event of every published type (and of the private ones), for tests and benches:
 * with an email, a password hash and a payment token hint planted where the domain holds them, so a
 * scan of the published messages can prove none of them got out.
 */
export type { SampleEvent };

/** The `n`-th sample as the store would give it back: id and position from `n`, revision 0. */
export const recordedSample = (
  sample: { stream: string; type: string; data: Record<string, unknown>; metadata?: EventMetadata },
  n: number,
): RecordedEvent => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  type: sample.type,
  streamName: sample.stream,
  revision: 0n,
  position: { commit: BigInt(n + 1), prepare: BigInt(n + 1) },
  data: sample.data,
  metadata: sample.metadata ?? { correlation_id: `req_sample_${n}` },
  recordedAt: new Date('2026-03-01T12:00:01.000Z'),
});

export const plantedSecrets = {
  email: 'ada.lovelace@example.com',
  passwordHash: '$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA',
  tokenHint: 'tok_visa_4242',
};

const at = '2026-03-01T12:00:00.000Z';
const address = { street: '1 Analytical St', city: 'London', state: 'LDN', postal_code: 'N1', country: 'GB' };

export function sampleDomainEvents(suffix: string): SampleEvent[] {
  const user = `usr_${suffix}`;
  const product = `prd_${suffix}`;
  const order = `ord_${suffix}`;
  const reservation = `rsv_${suffix}`;
  const item = `item_${suffix}`;
  const cart = `cart_${suffix}`;
  const metadata = (n: number): EventMetadata => ({
    correlation_id: `corr-${suffix}-${n}`,
    causation_id: `cause-${suffix}-${n}`,
    user_id: user,
    occurred_at: at,
    traceparent: `00-${'0af7651916cd43dd8448eb211c80319c'}-${'b7ad6b7169203331'}-01`,
  });
  const stock = (type: string, fields: Record<string, unknown>) => ({
    stream: `stock-${product}`,
    type,
    data: { schema_version: 1, product_id: product, on_hand: 10, reserved: 2, ...fields },
  });
  const lines = [
    { product_id: product, product_name: 'Lamp', quantity: 2, unit_price: 1500, subtotal: 3000 },
  ];
  const cartOwner = { schema_version: 1, cart_id: cart, user_id: user };
  const events: Omit<SampleEvent, 'metadata'>[] = [
    {
      stream: `user-${user}`,
      type: 'UserRegistered',
      data: {
        schema_version: 1,
        user_id: user,
        email: plantedSecrets.email,
        first_name: 'Ada',
        last_name: 'Lovelace',
        phone: '+441234567890',
        role: 'customer',
        registered_at: at,
      },
    },
    {
      stream: `credentials-${user}`,
      type: 'PasswordSet',
      data: { schema_version: 1, user_id: user, password_hash: plantedSecrets.passwordHash, set_at: at },
    },
    {
      stream: `user-${user}`,
      type: 'EmailVerificationRequested',
      data: { schema_version: 1, user_id: user, requested_at: at },
    },
    {
      stream: `user-${user}`,
      type: 'EmailVerified',
      data: { schema_version: 1, user_id: user, verified_at: at },
    },
    {
      stream: `user-${user}`,
      type: 'PasswordResetRequested',
      data: { schema_version: 1, user_id: user, requested_at: at },
    },
    {
      stream: `user-${user}`,
      type: 'MarketingPreferenceChanged',
      data: {
        schema_version: 1,
        user_id: user,
        marketing_emails: true,
        changed_by: 'customer',
        changed_at: at,
      },
    },
    {
      stream: `accounttoken-${'b'.repeat(64)}`,
      type: 'AccountTokenIssued',
      data: {
        schema_version: 1,
        user_id: user,
        purpose: 'verify_email',
        issued_for: '00000000-0000-4000-8000-000000000001',
        issued_at: at,
        expires_at: at,
      },
    },
    {
      stream: `accounttoken-${'b'.repeat(64)}`,
      type: 'AccountTokenUsed',
      data: { schema_version: 1, user_id: user, used_at: at },
    },
    {
      stream: `useremail-${'a'.repeat(64)}`,
      type: 'EmailClaimed',
      data: { schema_version: 1, user_id: user, claimed_at: at },
    },
    {
      stream: `useremail-${'a'.repeat(64)}`,
      type: 'EmailReleased',
      data: { schema_version: 1, user_id: user, released_at: at },
    },
    {
      stream: `user-${user}`,
      type: 'UserErased',
      data: { schema_version: 1, user_id: user, erased_by: user, erased_at: at },
    },
    {
      stream: `user-${user}`,
      type: 'UserProfileChanged',
      data: { schema_version: 1, user_id: user, first_name: 'Augusta', changed_at: at },
    },
    {
      stream: `user-${user}`,
      type: 'UserRoleGranted',
      data: {
        schema_version: 1,
        user_id: user,
        role: 'admin',
        previous_role: 'customer',
        granted_by: 'system',
        granted_at: at,
      },
    },
    {
      stream: `product-${product}`,
      type: 'ProductListed',
      data: {
        schema_version: 1,
        product_id: product,
        name: 'Lamp',
        description: 'A lamp',
        long_description: null,
        category: 'Home',
        subcategory: null,
        brand: 'Lumen',
        sku: 'LMP-1',
        images: ['https://img.example/lamp.jpg'],
        specifications: { watts: 40 },
        price: 1500,
        currency: 'USD',
        listed_at: at,
      },
    },
    {
      stream: `product-${product}`,
      type: 'ProductDetailsChanged',
      data: {
        schema_version: 1,
        product_id: product,
        changes: { name: 'Desk lamp', description: 'Better' },
        changed_at: at,
      },
    },
    {
      stream: `product-${product}`,
      type: 'PriceChanged',
      data: {
        schema_version: 1,
        product_id: product,
        old_price: 1500,
        new_price: 1400,
        currency: 'USD',
        changed_at: at,
      },
    },
    stock('StockReceived', { quantity: 10, reserved: 0 }),
    stock('StockAdjusted', { quantity: -1, reason: 'breakage', on_hand: 9, reserved: 0 }),
    stock('StockReserved', {
      reservation_id: reservation,
      quantity: 2,
      expires_at: '2026-03-01T12:10:00.000Z',
    }),
    stock('ReservationReleased', { reservation_id: reservation, quantity: 2, reserved: 0 }),
    stock('ReservationExpired', { reservation_id: reservation, quantity: 2, expires_at: at, reserved: 0 }),
    stock('ReservationCommitted', { reservation_id: reservation, quantity: 2, on_hand: 8, reserved: 0 }),
    stock('CommittedStockReturned', { reservation_id: reservation, quantity: 2, reserved: 0 }),
    { stream: `cart-${user}`, type: 'CartCreated', data: { ...cartOwner, created_at: at } },
    {
      stream: `cart-${user}`,
      type: 'ItemAddedToCart',
      data: {
        ...cartOwner,
        cart_item_id: item,
        product_id: product,
        product_name: 'Lamp',
        image: null,
        unit_price: 1500,
        currency: 'USD',
        quantity: 2,
        line_quantity: 2,
        added_at: at,
      },
    },
    {
      stream: `cart-${user}`,
      type: 'CartItemQuantityChanged',
      data: {
        ...cartOwner,
        cart_item_id: item,
        product_id: product,
        old_quantity: 2,
        quantity: 3,
        changed_at: at,
      },
    },
    {
      stream: `cart-${user}`,
      type: 'CartItemRemoved',
      data: { ...cartOwner, cart_item_id: item, product_id: product, quantity: 3, removed_at: at },
    },
    { stream: `cart-${user}`, type: 'CartCleared', data: { ...cartOwner, cleared_at: at } },
    {
      stream: `checkout-${reservation}`,
      type: 'CheckoutStarted',
      data: {
        schema_version: 1,
        reservation_id: reservation,
        user_id: user,
        items: [
          { product_id: product, product_name: 'Lamp', unit_price: 1500, currency: 'USD', quantity: 2 },
        ],
        expires_at: '2026-03-01T12:10:00.000Z',
        started_at: at,
      },
    },
    {
      stream: `checkout-${reservation}`,
      type: 'CheckoutStockReserved',
      data: { schema_version: 1, reservation_id: reservation, reserved_at: at },
    },
    {
      stream: `checkout-${reservation}`,
      type: 'CheckoutReservationFailed',
      data: {
        schema_version: 1,
        reservation_id: reservation,
        short: [{ product_id: product, requested: 5, available: 2 }],
        failed_at: at,
      },
    },
    {
      stream: `checkout-${reservation}`,
      type: 'CheckoutReleased',
      data: { schema_version: 1, reservation_id: reservation, released_by: user, released_at: at },
    },
    {
      stream: `checkout-${reservation}`,
      type: 'CheckoutOrderAttached',
      data: { schema_version: 1, reservation_id: reservation, order_id: order, attached_at: at },
    },
    {
      stream: `checkout-${reservation}`,
      type: 'CheckoutOrderDetached',
      data: {
        schema_version: 1,
        reservation_id: reservation,
        order_id: order,
        reason: 'declined',
        detached_at: at,
      },
    },
    {
      stream: `checkout-${reservation}`,
      type: 'CheckoutCompleted',
      data: { schema_version: 1, reservation_id: reservation, order_id: order, completed_at: at },
    },
    {
      stream: `order-${order}`,
      type: 'OrderPlaced',
      data: {
        schema_version: 2,
        order_id: order,
        user_id: user,
        reservation_id: reservation,
        items: lines.map((line) => ({
          ...line,
          list_price: line.unit_price + 100,
          steps: [
            { step: 'base', label: 'List price', unit_price: line.unit_price + 100 },
            { step: 'sale', rule_id: `prl_${suffix}`, label: 'Sale', unit_price: line.unit_price },
          ],
        })),
        currency: 'USD',
        subtotal: 3000,
        tax: 200,
        shipping_cost: 1000,
        total: 3700,
        discount: 500,
        coupon: 'SAVE-5',
        pricing: {
          tax_rate: { numerator: 8, denominator: 100 },
          shipping_flat: 1000,
          free_shipping_over: 10000,
        },
        shipping_address: address,
        billing_address: address,
        payment_method: { type: 'card', token_hint: plantedSecrets.tokenHint },
        placed_at: at,
      },
    },
    {
      stream: `order-${order}`,
      type: 'OrderPaymentFailed',
      data: { schema_version: 1, order_id: order, reason: 'declined', failed_at: at },
    },
    {
      stream: `order-${order}`,
      type: 'OrderConfirmed',
      data: {
        schema_version: 1,
        order_id: order,
        payment_id: `pay_${suffix}`,
        amount: 4240,
        confirmed_at: at,
      },
    },
    {
      stream: `cart-${user}`,
      type: 'CartCheckedOut',
      data: {
        ...cartOwner,
        order_id: order,
        items: [
          { cart_item_id: item, product_id: product, product_name: 'Lamp', unit_price: 1500, quantity: 2 },
        ],
        currency: 'USD',
        checked_out_at: at,
      },
    },
    {
      stream: `cart-${user}`,
      type: 'CartCheckoutBegan',
      data: { ...cartOwner, reservation_id: reservation, expires_at: at, began_at: at },
    },
    {
      stream: `cart-${user}`,
      type: 'CartCheckoutEnded',
      data: { ...cartOwner, reservation_id: reservation, reason: 'released', ended_at: at },
    },
    {
      stream: `cart-${user}`,
      type: 'CartLineRepriced',
      data: {
        ...cartOwner,
        cart_item_id: item,
        product_id: product,
        old_unit_price: 1500,
        unit_price: 1600,
        currency: 'USD',
        repriced_at: at,
      },
    },
    {
      stream: `cart-gst_${suffix}`,
      type: 'GuestCartMerged',
      data: {
        schema_version: 1,
        cart_id: `cart_g${suffix}`,
        user_id: `gst_${suffix}`,
        into_user_id: user,
        into_cart_id: cart,
        items: [{ cart_item_id: item, product_id: product, quantity: 1 }],
        merged_at: at,
      },
    },
    {
      stream: `cart-${user}`,
      type: 'CartMergedFromGuest',
      data: {
        ...cartOwner,
        guest_cart_id: `cart_g${suffix}`,
        lines: [
          {
            cart_item_id: item,
            product_id: product,
            product_name: 'Lamp',
            image: null,
            unit_price: 1600,
            currency: 'USD',
            quantity: 1,
            line_quantity: 3,
          },
        ],
        merged_at: at,
      },
    },
    {
      stream: `cart-${user}`,
      type: 'CartExpired',
      data: {
        ...cartOwner,
        idle_since: at,
        items: [{ cart_item_id: item, product_id: product, quantity: 3 }],
        expired_at: at,
      },
    },
    {
      stream: `checkout-${reservation}`,
      type: 'CheckoutOrderResumed',
      data: { schema_version: 1, reservation_id: reservation, order_id: order, resumed_at: at },
    },
    {
      stream: `checkout-${reservation}`,
      type: 'CheckoutPaymentPaused',
      data: {
        schema_version: 1,
        reservation_id: reservation,
        order_id: order,
        reason: 'payment provider unavailable',
        paused_at: at,
      },
    },
    {
      stream: `checkout-${reservation}`,
      type: 'CheckoutCouponClaimed',
      data: {
        schema_version: 1,
        reservation_id: reservation,
        order_id: order,
        code: 'WELCOME-10',
        claimed_at: at,
      },
    },
    {
      stream: `order-${order}`,
      type: 'OrderProcessingStarted',
      data: { schema_version: 1, order_id: order, processing_at: at },
    },
    {
      stream: `order-${order}`,
      type: 'OrderShipped',
      data: { schema_version: 1, order_id: order, tracking_number: 'TRK123', shipped_at: at },
    },
    {
      stream: `order-${order}`,
      type: 'OrderDelivered',
      data: { schema_version: 1, order_id: order, delivered_at: at },
    },
    {
      stream: `order-${order}`,
      type: 'OrderCancelled',
      data: {
        schema_version: 1,
        order_id: order,
        cancelled_by: user,
        cancelled_by_role: 'customer',
        reason: 'changed my mind',
        previous_status: 'confirmed',
        reservation_id: reservation,
        refund_amount: 4240,
        currency: 'USD',
        cancelled_at: at,
      },
    },
    {
      stream: `order-${order}`,
      type: 'OrderRefunded',
      data: {
        schema_version: 1,
        order_id: order,
        refund_id: `ref_${suffix}`,
        amount: 4240,
        currency: 'USD',
        refunded_at: at,
      },
    },
    {
      stream: `product-${product}`,
      type: 'ProductDiscontinued',
      data: { schema_version: 1, product_id: product, discontinued_at: at },
    },
    ...samplePricingEvents(suffix),
  ];
  // The erasure goes last: once a person's key is destroyed, the store refuses their personal data.
  const erasures = events.filter((event) => event.type === 'UserErased');
  return [
    ...events.filter((event) => event.type !== 'UserErased'),
    ...sampleCatalogEvents(suffix),
    ...erasures,
  ].map((event, n) => ({ ...event, metadata: metadata(n) }));
}
