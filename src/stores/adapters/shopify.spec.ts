import { createHmac } from 'node:crypto';
import { InvalidStorePayloadError } from '../canonical-event';
import { fixture } from './fixtures.spec-helper';
import { shopifyAdapter as shopify } from './shopify';

const SECRET = 'shpss_recado_test_secret';
const sign = (body: string | Buffer, secret = SECRET) => createHmac('sha256', secret).update(body).digest('base64');
const headers = (topic: string, extra: Record<string, string> = {}) => ({
  'x-shopify-topic': topic,
  'x-shopify-webhook-id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
  'x-shopify-event-id': '98880550-7158-44d4-b7cd-2c97c8a091b5',
  ...extra,
});
/** A REST fixture from Shopify's SDK is `{ "<resource>": {…} }`; a webhook body is the resource itself. */
const unwrap = (file: string, key: string, patch: Record<string, unknown> = {}) => {
  // Re-serialised from the parsed fixture: its ids are all below 2^53, so nothing is lost here.
  return JSON.stringify({ ...JSON.parse(fixture('shopify', file))[key], ...patch });
};

describe('Shopify adapter', () => {
  describe('verify (X-Shopify-Hmac-Sha256)', () => {
    const raw = Buffer.from(fixture('shopify', 'checkouts-create.json'));

    it('accepts the base64 HMAC-SHA256 of the raw body with the store secret', () => {
      expect(shopify.verify(raw, { 'X-Shopify-Hmac-Sha256': sign(raw) }, { webhook_secret: SECRET })).toBe(true);
    });

    it('refuses a wrong secret, a changed body, a missing header or a store without a secret', () => {
      expect(shopify.verify(raw, { 'x-shopify-hmac-sha256': sign(raw, 'other') }, { webhook_secret: SECRET })).toBe(false);
      expect(shopify.verify(Buffer.concat([raw, Buffer.from(' ')]), { 'x-shopify-hmac-sha256': sign(raw) }, { webhook_secret: SECRET })).toBe(false);
      expect(shopify.verify(raw, {}, { webhook_secret: SECRET })).toBe(false);
      expect(shopify.verify(raw, { 'x-shopify-hmac-sha256': sign(raw, '') }, {})).toBe(false);
    });
  });

  it('checkouts/create (Shopify sample) → cart_abandoned with the recovery link', () => {
    const r = shopify.parse(fixture('shopify', 'checkouts-create.json'), headers('checkouts/create'));
    expect(r.unmapped).toEqual([]);
    expect(r.events).toEqual([
      {
        type: 'cart_abandoned',
        platform: 'shopify',
        platformEventType: 'checkouts/create',
        platformEventId: 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
        occurredAt: '2021-12-31T19:00:00-05:00',
        customer: { phone: null, email: 'example@email.com', name: 'John Smith' },
        orderId: null,
        cartId: '123123123',
        amount: { amountMinor: '42188', currency: 'USD' },
        product: 'IPod Nano - 8GB',
        artefacts: {
          checkoutUrl: 'https://checkout.local/548380009/checkouts/123123123/recover?key=example-secret-token',
          paymentUrl: 'https://checkout.local/548380009/checkouts/123123123/recover?key=example-secret-token',
        },
      },
    ]);
    // The sample's address phones ("555-555-BILL") are not numbers: reported by field, left empty.
    expect(r.warnings).toEqual([
      expect.stringMatching(/^billing_address\.phone: unreadable phone/),
      expect.stringMatching(/^shipping_address\.phone: unreadable phone/),
    ]);
  });

  it('fulfillments/create (Shopify sample) → order_shipped with tracking; order id above 2^53 kept exactly', () => {
    const r = shopify.parse(fixture('shopify', 'fulfillments-create.json'), headers('fulfillments/create'));
    expect(r.events).toHaveLength(1);
    const e = r.events[0];
    expect(e.type).toBe('order_shipped');
    expect(e.orderId).toBe('820982911946154508');
    expect(String(Number(e.orderId))).not.toBe(e.orderId); // through a float it would have changed
    expect(e.customer).toEqual({ phone: null, email: 'jon@example.com', name: 'Steve Shipper' });
    expect(e.artefacts).toEqual({
      trackingCode: '1z827wk74630',
      trackingUrl: 'https://www.ups.com/WebTracking?loc=en_US&requester=ST&trackNums=1z827wk74630',
    });
    expect(r.warnings).toEqual([expect.stringMatching(/^destination\.phone: unreadable phone/)]);
  });

  it('fulfillments/update with shipment_status delivered → order_delivered', () => {
    const body = fixture('shopify', 'fulfillments-create.json').replace('"shipment_status": null', '"shipment_status": "delivered"');
    const r = shopify.parse(body, headers('fulfillments/update'));
    expect(r.events.map((e) => [e.type, e.orderId])).toEqual([['order_delivered', '820982911946154508']]);
  });

  it('an SDK fulfillment without a shipment status but with tracking → order_shipped', () => {
    const r = shopify.parse(unwrap('sdk-fulfillment.json', 'fulfillment'), headers('fulfillments/create'));
    expect(r.events.map((e) => [e.type, e.orderId, e.artefacts.trackingCode])).toEqual([['order_shipped', '450789469', '1Z2345']]);
  });

  it('orders/paid (SDK order) → order_paid with the customer phone in E.164 from the address country', () => {
    const r = shopify.parse(unwrap('sdk-order.json', 'order'), headers('orders/paid'));
    const e = r.events[0];
    expect(e.type).toBe('order_paid');
    expect(e.orderId).toBe('450789469');
    expect(e.amount).toEqual({ amountMinor: '40994', currency: 'USD' });
    expect(e.customer.email).toBe('bob.norman@hostmail.com');
    expect(e.customer.phone).toBe('+15556251199');
  });

  it('orders/create still authorising → nothing to send; paid → order_paid', () => {
    expect(shopify.parse(unwrap('sdk-order.json', 'order'), headers('orders/create'))).toMatchObject({ events: [], unmapped: [] });
    const paid = shopify.parse(unwrap('sdk-order.json', 'order', { financial_status: 'paid' }), headers('orders/create'));
    expect(paid.events.map((e) => e.type)).toEqual(['order_paid']);
  });

  // Built (no published Brazilian sample): the SDK order, pending, paid by boleto / PIX in BRL.
  it.each([
    [['Boleto Bancário (Mercado Pago)'], 'boleto_issued'],
    [['pix'], 'pix_issued'],
  ])('orders/create pending with gateway %j → %s', (gateways, type) => {
    const body = unwrap('sdk-order.json', 'order', {
      id: 5940139491234567890n.toString(),
      financial_status: 'pending',
      payment_gateway_names: gateways,
      currency: 'BRL',
      total_price: '199.90',
      phone: '(11) 98765-4321',
      order_status_url: 'https://loja.example.com/548380009/orders/abc/authenticate?key=k',
    }).replace('"5940139491234567890"', '5940139491234567890');
    const e = shopify.parse(body, headers('orders/create')).events[0];
    expect(e.type).toBe(type);
    expect(e.orderId).toBe('5940139491234567890');
    expect(e.amount).toEqual({ amountMinor: '19990', currency: 'BRL' });
    expect(e.customer.phone).toBe('+5511987654321');
    expect(e.artefacts.paymentUrl).toBe('https://loja.example.com/548380009/orders/abc/authenticate?key=k');
  });

  it('refunds/create (SDK refund) → refunded with the refund transactions summed exactly', () => {
    const r = shopify.parse(unwrap('sdk-refund.json', 'refund'), headers('refunds/create'));
    expect(r.events.map((e) => [e.type, e.orderId, e.amount])).toEqual([['refunded', '450789469', { amountMinor: '20900', currency: 'USD' }]]);
  });

  it('orders/cancelled without a refund (SDK order, cancelled and voided: built here) → order_cancelled at its cancellation time', () => {
    const body = unwrap('sdk-order.json', 'order', { financial_status: 'voided', cancelled_at: '2008-01-12T09:30:00-05:00', cancel_reason: 'customer' });
    const r = shopify.parse(body, headers('orders/cancelled'));
    expect(r.unmapped).toEqual([]);
    expect(r.events).toEqual([
      expect.objectContaining({
        type: 'order_cancelled',
        platformEventType: 'orders/cancelled',
        occurredAt: '2008-01-12T09:30:00-05:00',
        orderId: '450789469',
        amount: { amountMinor: '40994', currency: 'USD' },
        customer: expect.objectContaining({ email: 'bob.norman@hostmail.com', phone: '+15556251199' }),
        artefacts: {},
      }),
    ]);
  });

  it('orders/cancelled with a refund → refunded, as before', () => {
    const r = shopify.parse(unwrap('sdk-order.json', 'order', { financial_status: 'refunded' }), headers('orders/cancelled'));
    expect(r.events.map((e) => [e.type, e.orderId])).toEqual([['refunded', '450789469']]);
  });

  it('a topic case variant is read and reported; an unknown topic is unmapped, not invalid', () => {
    const variant = shopify.parse(unwrap('sdk-order.json', 'order'), headers('Orders/Paid'));
    expect(variant.events.map((e) => e.type)).toEqual(['order_paid']);
    expect(variant.warnings).toContain('X-Shopify-Topic: "Orders/Paid" read as "orders/paid"');
    const unknown = shopify.parse('{"id": 1}', headers('products/update'));
    expect(unknown).toEqual({ events: [], unmapped: [{ platformEventType: 'products/update', reason: expect.any(String) }], warnings: [] });
  });

  it('the event id falls back to the topic-scoped X-Shopify-Event-Id', () => {
    const r = shopify.parse(unwrap('sdk-order.json', 'order'), { 'x-shopify-topic': 'orders/paid', 'x-shopify-event-id': 'ev-1' });
    expect(r.events[0].platformEventId).toBe('orders/paid:ev-1');
    const none = shopify.parse(unwrap('sdk-order.json', 'order'), { 'x-shopify-topic': 'orders/paid' });
    expect(none.events[0].platformEventId).toBeNull();
  });

  it('not JSON, or no topic header → InvalidStorePayloadError', () => {
    expect(() => shopify.parse('<xml/>', headers('orders/paid'))).toThrow(InvalidStorePayloadError);
    expect(() => shopify.parse('{"id": 1}', {})).toThrow(InvalidStorePayloadError);
  });
});
