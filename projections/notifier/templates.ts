/** Mail templates: one function per kind, each giving a subject, a text and an HTML body. */

export type MailKind =
  | 'verify_email'
  | 'password_reset'
  | 'order_confirmed'
  | 'order_shipped'
  | 'order_delivered'
  | 'order_cancelled'
  | 'order_refunded'
  | 'cart_reminder';

export type OrderLine = { product_name: string; quantity: number; unit_price: number; subtotal: number };
export type OrderSummary = {
  order_id: string;
  currency: string;
  items: OrderLine[];
  subtotal: number;
  tax: number;
  shipping_cost: number;
  total: number;
};

export type TemplateData =
  | { kind: 'verify_email' | 'password_reset'; firstName: string; link: string }
  | { kind: 'order_confirmed' | 'order_delivered'; firstName: string; order: OrderSummary }
  | { kind: 'order_shipped'; firstName: string; order: OrderSummary; trackingNumber: string }
  | { kind: 'order_cancelled' | 'order_refunded'; firstName: string; order: OrderSummary; amount: number }
  | {
      kind: 'cart_reminder';
      firstName: string;
      itemCount: number;
      cartLink: string;
      unsubscribeLink: string;
    };

export type RenderedMail = { subject: string; text: string; html: string };

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

export const formatMoney = (minor: number, currency: string) => `${(minor / 100).toFixed(2)} ${currency}`;

const page = (paragraphs: string[]) =>
  `<!doctype html><html><body style="font-family:sans-serif">${paragraphs.join('')}</body></html>`;

function orderTable(order: OrderSummary): { text: string; html: string } {
  const m = (n: number) => formatMoney(n, order.currency);
  const lines = order.items.map(
    (i) => `${i.quantity} x ${i.product_name} @ ${m(i.unit_price)} = ${m(i.subtotal)}`,
  );
  const totals = [
    `Subtotal: ${m(order.subtotal)}`,
    `Tax: ${m(order.tax)}`,
    `Shipping: ${m(order.shipping_cost)}`,
    `Total: ${m(order.total)}`,
  ];
  const rows = order.items
    .map(
      (i) =>
        `<tr><td>${escapeHtml(i.product_name)}</td><td>${i.quantity}</td><td>${m(i.unit_price)}</td><td>${m(i.subtotal)}</td></tr>`,
    )
    .join('');
  return {
    text: [...lines, '', ...totals].join('\n'),
    html: `<table><tr><th>Item</th><th>Qty</th><th>Price</th><th>Subtotal</th></tr>${rows}</table><p>${totals.map(escapeHtml).join('<br>')}</p>`,
  };
}

function orderMail(subject: string, intro: string, firstName: string, order: OrderSummary): RenderedMail {
  const table = orderTable(order);
  const hello = `Hello ${firstName},`;
  return {
    subject,
    text: `${hello}\n\n${intro}\n\nOrder ${order.order_id}\n${table.text}\n`,
    html: page([
      `<p>${escapeHtml(hello)}</p>`,
      `<p>${escapeHtml(intro)}</p>`,
      `<p>Order ${escapeHtml(order.order_id)}</p>`,
      table.html,
    ]),
  };
}

function linkMail(
  subject: string,
  intro: string,
  firstName: string,
  link: string,
  outro: string,
): RenderedMail {
  const hello = `Hello ${firstName},`;
  return {
    subject,
    text: `${hello}\n\n${intro}\n\n${link}\n\n${outro}\n`,
    html: page([
      `<p>${escapeHtml(hello)}</p>`,
      `<p>${escapeHtml(intro)}</p>`,
      `<p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p>`,
      `<p>${escapeHtml(outro)}</p>`,
    ]),
  };
}

export function renderMail(data: TemplateData): RenderedMail {
  switch (data.kind) {
    case 'verify_email':
      return linkMail(
        'Verify your email address',
        'Please confirm your email address by opening this link:',
        data.firstName,
        data.link,
        'The link works once and for 24 hours.',
      );
    case 'password_reset':
      return linkMail(
        'Reset your password',
        'Someone asked to reset the password of your account. To choose a new one, open this link:',
        data.firstName,
        data.link,
        'The link works once and for 24 hours. If you did not ask, ignore this mail.',
      );
    case 'order_confirmed':
      return orderMail(
        `Order ${data.order.order_id} confirmed`,
        'Thank you: your order is confirmed.',
        data.firstName,
        data.order,
      );
    case 'order_shipped':
      return orderMail(
        `Order ${data.order.order_id} shipped`,
        `Your order is on its way. Tracking number: ${data.trackingNumber}`,
        data.firstName,
        data.order,
      );
    case 'order_delivered':
      return orderMail(
        `Order ${data.order.order_id} delivered`,
        'Your order was delivered.',
        data.firstName,
        data.order,
      );
    case 'order_cancelled':
      return orderMail(
        `Order ${data.order.order_id} cancelled`,
        `Your order was cancelled.${data.amount > 0 ? ` A refund of ${formatMoney(data.amount, data.order.currency)} is on its way.` : ''}`,
        data.firstName,
        data.order,
      );
    case 'order_refunded':
      return orderMail(
        `Refund for order ${data.order.order_id}`,
        `We refunded ${formatMoney(data.amount, data.order.currency)}.`,
        data.firstName,
        data.order,
      );
    case 'cart_reminder': {
      const hello = `Hello ${data.firstName},`;
      const intro = `You left ${data.itemCount} item(s) in your cart.`;
      return {
        subject: 'Your cart is waiting',
        text: `${hello}\n\n${intro}\n\n${data.cartLink}\n\nNo more reminders: ${data.unsubscribeLink}\n`,
        html: page([
          `<p>${escapeHtml(hello)}</p>`,
          `<p>${escapeHtml(intro)}</p>`,
          `<p><a href="${escapeHtml(data.cartLink)}">Back to your cart</a></p>`,
          `<p><a href="${escapeHtml(data.unsubscribeLink)}">Unsubscribe</a></p>`,
        ]),
      };
    }
  }
}
