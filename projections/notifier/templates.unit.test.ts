import { describe, expect, it } from 'vitest';
import { messageIdFor } from './notifier.ts';
import { renderMail } from './templates.ts';

const order = {
  order_id: 'ord_1',
  currency: 'USD',
  items: [{ product_name: 'Lamp <b>&</b>', quantity: 2, unit_price: 2_500, subtotal: 5_000 }],
  subtotal: 5_000,
  tax: 400,
  shipping_cost: 1_000,
  total: 6_400,
};

describe('mail templates', () => {
  it('renders lines and totals in the text and escapes names in the HTML', () => {
    const mail = renderMail({ kind: 'order_confirmed', firstName: 'Ada', order });
    expect(mail.subject).toBe('Order ord_1 confirmed');
    expect(mail.text).toContain('2 x Lamp <b>&</b> @ 25.00 USD = 50.00 USD');
    expect(mail.text).toContain('Total: 64.00 USD');
    expect(mail.html).toContain('Lamp &lt;b&gt;&amp;&lt;/b&gt;');
    expect(mail.html).not.toContain('<b>&</b>');
  });

  it('puts the tracking number in the shipped mail and the link in the verification mail', () => {
    expect(
      renderMail({ kind: 'order_shipped', firstName: 'Ada', order, trackingNumber: 'TR-9' }).text,
    ).toContain('Tracking number: TR-9');
    const verify = renderMail({
      kind: 'verify_email',
      firstName: 'Ada',
      link: 'https://shop/verify-email?token=t',
    });
    expect(verify.text).toContain('https://shop/verify-email?token=t');
    expect(verify.html).toContain('href="https://shop/verify-email?token=t"');
  });

  it('derives a stable Message-ID from the event id, the kind and the From domain', () => {
    const id = messageIdFor(
      '6b174d6d-b890-4fcc-9770-81637debdd8c',
      'order_shipped',
      'Shop <no-reply@shop.example>',
    );
    expect(id).toBe('<6b174d6d-b890-4fcc-9770-81637debdd8c.order_shipped@shop.example>');
    expect(messageIdFor('e', 'k', 'Shop <no-reply@shop.example>')).toBe(
      messageIdFor('e', 'k', 'no-reply@shop.example'),
    );
  });
});
