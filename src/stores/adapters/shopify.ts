import { createHmac } from 'node:crypto';
import { InvalidStorePayloadError, type CanonicalCustomer, type CanonicalEvent, type Money, type PlatformAdapter } from '../canonical-event';
import { readDecimalMoney, readEmail, readName, readPhone } from './customer';
import { canonicalEvent, compact, result, secretsEqual } from './event';
import { currencyCode, decimalToMinor } from './money';
import { header, knownName, parseBody, Reader } from './read';

/**
 * Shopify webhooks (https://shopify.dev/docs/api/webhooks): the topic is the X-Shopify-Topic
 * header, the body is the resource itself (checkout, order, fulfillment, refund) with numeric ids
 * that exceed 2^53 (read losslessly), prices as decimal text in the shop's currency.
 *
 * Verification (the reference's "Headers" section, https://shopify.dev/docs/api/webhooks):
 * X-Shopify-Hmac-Sha256 is the base64 HMAC-SHA256 of the raw body keyed with the app's / store's
 * webhook secret (`secrets.webhook_secret`).
 */

const TOPICS = [
  'checkouts/create',
  'checkouts/update',
  'orders/create',
  'orders/updated',
  'orders/paid',
  'orders/cancelled',
  'fulfillments/create',
  'fulfillments/update',
  'refunds/create',
] as const;

/** Gateways whose pending orders are a boleto or a PIX waiting to be paid (Shopify names them per provider). */
const BOLETO = /boleto|bank[ _-]?slip|billet/i;
const PIX = /\bpix\b|pix[ _-]|_pix/i;

export const shopifyAdapter: PlatformAdapter = {
  platform: 'shopify',
  deliveryHeaders: ['x-shopify-topic', 'x-shopify-webhook-id', 'x-shopify-event-id', 'x-shopify-triggered-at', 'x-shopify-shop-domain', 'x-shopify-api-version'],

  verify(rawBody, headers, secrets) {
    const secret = secrets.webhook_secret;
    const given = header(headers, 'x-shopify-hmac-sha256');
    if (!secret || !given) return false;
    const expected = createHmac('sha256', secret).update(rawBody).digest('base64');
    return secretsEqual(given.trim(), expected);
  },

  parse(rawBody, headers) {
    const warnings: string[] = [];
    const warn = (m: string) => warnings.push(m);
    const body = Reader.root(parseBody(rawBody), warn);
    const sentTopic = header(headers, 'x-shopify-topic')?.trim();
    if (!sentTopic) throw new InvalidStorePayloadError('X-Shopify-Topic header is missing: nothing says what happened');
    const { name: topic, known } = knownName(sentTopic, TOPICS, 'X-Shopify-Topic', warn);
    if (!known) return result(warnings, [], [{ platformEventType: topic, reason: `Shopify topic ${topic} has no canonical event` }]);

    // X-Shopify-Webhook-Id is one delivery (retries keep it); X-Shopify-Event-Id is shared by
    // every topic one merchant action fires, so alone it would collapse orders/create and orders/paid.
    const webhookId = header(headers, 'x-shopify-webhook-id')?.trim();
    const eventId = header(headers, 'x-shopify-event-id')?.trim();
    const platformEventId = webhookId || (eventId ? `${topic}:${eventId}` : null);
    const base = { platformEventId };

    switch (topic) {
      case 'checkouts/create':
      case 'checkouts/update':
        return result(warnings, checkout(body, topic, base));
      case 'orders/create':
      case 'orders/updated':
        return result(warnings, orderCreated(body, topic, base));
      case 'orders/paid':
        return result(warnings, [orderEvent(body, 'order_paid', topic, base)]);
      case 'orders/cancelled': {
        const status = body.text('financial_status')?.toLowerCase();
        if (status === 'refunded' || status === 'partially_refunded') return result(warnings, [orderEvent(body, 'refunded', topic, base)]);
        const cancelled = orderEvent(body, 'order_cancelled', topic, base);
        return result(warnings, [{ ...cancelled, occurredAt: body.timestamp('cancelled_at') ?? cancelled.occurredAt }]);
      }
      case 'fulfillments/create':
      case 'fulfillments/update':
        return result(warnings, fulfillment(body, topic, base));
      case 'refunds/create':
        return result(warnings, [refund(body, topic, base)]);
      default:
        return result(warnings, [], [{ platformEventType: topic, reason: `Shopify topic ${topic} has no canonical event` }]);
    }
  },
};

type Base = { platformEventId: string | null };

function checkout(b: Reader, topic: string, base: Base): CanonicalEvent[] {
  // A completed checkout became an order: the order's own webhooks take over.
  if (b.has('completed_at')) return [];
  const url = b.text('abandoned_checkout_url');
  return [
    canonicalEvent('shopify', 'cart_abandoned', topic, {
      ...base,
      occurredAt: b.timestamp('updated_at') ?? b.timestamp('created_at') ?? null,
      customer: customerOf(b),
      cartId: b.id('token') ?? b.id('id') ?? b.id('cart_token') ?? null,
      amount: readDecimalMoney(b, 'total_price', b.text('currency') ?? b.text('presentment_currency'), { stringExpected: true }),
      product: productOf(b),
      artefacts: compact({ checkoutUrl: url, paymentUrl: url }),
    }),
  ];
}

function orderCreated(b: Reader, topic: string, base: Base): CanonicalEvent[] {
  const status = b.text('financial_status')?.toLowerCase();
  if (status === 'paid') return [orderEvent(b, 'order_paid', topic, base)];
  if (status !== 'pending') return [];
  const gateways = [...b.strings('payment_gateway_names'), b.text('gateway') ?? ''].join(' ');
  if (BOLETO.test(gateways)) return [orderEvent(b, 'boleto_issued', topic, base)];
  if (PIX.test(gateways)) return [orderEvent(b, 'pix_issued', topic, base)];
  return [];
}

function orderEvent(b: Reader, type: CanonicalEvent['type'], topic: string, base: Base): CanonicalEvent {
  return canonicalEvent('shopify', type, topic, {
    ...base,
    occurredAt: b.timestamp('processed_at') ?? b.timestamp('updated_at') ?? b.timestamp('created_at') ?? null,
    customer: customerOf(b),
    orderId: b.id('id') ?? null,
    cartId: b.id('checkout_token') ?? b.id('cart_token') ?? null,
    amount: readDecimalMoney(b, 'total_price', b.text('currency'), { stringExpected: true }),
    product: productOf(b),
    artefacts: compact({ paymentUrl: type === 'boleto_issued' || type === 'pix_issued' ? b.text('order_status_url') : undefined }),
  });
}

function fulfillment(b: Reader, topic: string, base: Base): CanonicalEvent[] {
  const shipment = b.text('shipment_status')?.toLowerCase();
  const trackingCode = b.text('tracking_number') ?? b.strings('tracking_numbers')[0];
  const trackingUrl = b.text('tracking_url') ?? b.strings('tracking_urls')[0];
  const type = shipment === 'delivered' ? 'order_delivered' : trackingCode || trackingUrl ? 'order_shipped' : null;
  if (!type) return [];
  const destination = b.obj('destination');
  const country = destination?.text('country_code');
  return [
    canonicalEvent('shopify', type, topic, {
      ...base,
      occurredAt: b.timestamp('updated_at') ?? b.timestamp('created_at') ?? null,
      customer: {
        phone: readPhone(destination, 'phone', country),
        email: readEmail(b, 'email'),
        name: readName(destination, 'name') ?? readName(destination, 'first_name', 'last_name'),
      },
      orderId: b.id('order_id') ?? null,
      product: productOf(b),
      artefacts: compact({ trackingCode, trackingUrl }),
    }),
  ];
}

function refund(b: Reader, topic: string, base: Base): CanonicalEvent {
  return canonicalEvent('shopify', 'refunded', topic, {
    ...base,
    occurredAt: b.timestamp('processed_at') ?? b.timestamp('created_at') ?? null,
    orderId: b.id('order_id') ?? null,
    amount: refundedAmount(b),
    product: productOf(b.list('refund_line_items')[0]?.obj('line_item')),
  });
}

/** The sum of the refund's successful refund transactions, added in minor units (BigInt). */
function refundedAmount(b: Reader): Money | null {
  let total = 0n;
  let currency: string | null = null;
  for (const t of b.list('transactions')) {
    if (t.text('kind')?.toLowerCase() !== 'refund' || (t.has('status') && t.text('status')?.toLowerCase() !== 'success')) continue;
    const c = currencyCode(t.text('currency'));
    const amount = t.decimal('amount', { stringExpected: true });
    if (!c || amount === undefined) continue;
    if (currency && c !== currency) {
      t.note('currency', `${c} differs from ${currency}; refund amount left empty`);
      return null;
    }
    const m = decimalToMinor(amount, c);
    if (!m.ok) {
      t.note('amount', `${m.reason}; refund amount left empty`);
      return null;
    }
    currency = c;
    total += BigInt(m.money.amountMinor);
  }
  return currency ? { amountMinor: total.toString(), currency } : null;
}

function customerOf(b: Reader): CanonicalCustomer {
  const customer = b.obj('customer');
  const billing = b.obj('billing_address');
  const shipping = b.obj('shipping_address');
  const fromAddress = (a: Reader | undefined) => readPhone(a, 'phone', a?.text('country_code'));
  return {
    phone: readPhone(b, 'phone') ?? readPhone(customer, 'phone') ?? fromAddress(billing) ?? fromAddress(shipping),
    email: readEmail(b, 'email') ?? readEmail(b, 'contact_email') ?? readEmail(customer, 'email'),
    name: readName(customer, 'first_name', 'last_name') ?? readName(billing, 'name') ?? readName(shipping, 'name'),
  };
}

function productOf(r: Reader | undefined): string | null {
  if (!r) return null;
  if (r.has('title') && !r.has('line_items')) return r.text('title') ?? null;
  const first = r.list('line_items')[0];
  return first?.text('title') ?? first?.text('name') ?? null;
}
