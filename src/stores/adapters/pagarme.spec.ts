import { createHmac } from 'node:crypto';
import { InvalidStorePayloadError } from '../canonical-event';
import { fixture } from './fixtures.spec-helper';
import { pagarmeAdapter as pagarme } from './pagarme';

const read = (file: string) => pagarme.parse(fixture('pagarme', file), {});
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('Pagar.me v5 adapter', () => {
  describe('verify', () => {
    const raw = Buffer.from(fixture('pagarme', 'order-paid.json'));
    const hub = (secret: string) => createHmac('sha1', secret).update(raw).digest('hex');

    it('HTTP basic credentials set on the webhook', () => {
      const secrets = { basic_auth_user: 'recado', basic_auth_password: 's3cret' };
      expect(pagarme.verify(raw, { Authorization: basic('recado', 's3cret') }, secrets)).toBe(true);
      expect(pagarme.verify(raw, { authorization: basic('recado', 'wrong') }, secrets)).toBe(false);
      expect(pagarme.verify(raw, {}, secrets)).toBe(false);
    });

    it('X-Hub-Signature: hex HMAC-SHA1 of the raw body with the secret key, bare or sha1=-prefixed', () => {
      const secrets = { signature_secret: 'sk_test_abc' };
      expect(pagarme.verify(raw, { 'X-Hub-Signature': hub('sk_test_abc') }, secrets)).toBe(true);
      expect(pagarme.verify(raw, { 'x-hub-signature': `sha1=${hub('sk_test_abc')}` }, secrets)).toBe(true);
      expect(pagarme.verify(raw, { 'x-hub-signature': hub('sk_test_other') }, secrets)).toBe(false);
      expect(pagarme.verify(raw, {}, secrets)).toBe(false);
    });

    it('both configured → both required; nothing configured → refused', () => {
      const secrets = { basic_auth_user: 'recado', basic_auth_password: 's3cret', signature_secret: 'sk_test_abc' };
      expect(pagarme.verify(raw, { authorization: basic('recado', 's3cret'), 'x-hub-signature': hub('sk_test_abc') }, secrets)).toBe(true);
      expect(pagarme.verify(raw, { authorization: basic('recado', 's3cret') }, secrets)).toBe(false);
      expect(pagarme.verify(raw, { authorization: basic('recado', 's3cret') }, {})).toBe(false);
    });
  });

  it('charge.paid (Stone Connect published example) → order_paid keyed by the order', () => {
    const r = read('stone-connect-charge-paid.json');
    expect(r).toEqual({
      events: [
        {
          type: 'order_paid',
          platform: 'pagarme',
          platformEventType: 'charge.paid',
          platformEventId: 'hook_j0R8BYh0dS123RQ34',
          occurredAt: '2023-10-10T20:28:13.6201993Z',
          customer: { phone: null, email: null, name: 'TONI STARK' },
          orderId: 'or_bqopZVqtEtr123F45',
          cartId: null,
          amount: { amountMinor: '12500', currency: 'BRL' },
          product: null,
          artefacts: {},
        },
      ],
      unmapped: [],
      warnings: [],
    });
  });

  it('order.paid → order_paid with the same order id as its charge.paid (one payment, two events)', () => {
    const order = read('order-paid.json').events[0];
    const charge = pagarme.parse(fixture('pagarme', 'charge-refunded.json').replace('"charge.refunded"', '"charge.paid"'), {}).events[0];
    expect([order.type, order.orderId, order.amount]).toEqual(['order_paid', 'or_ZdnB5BBCmYhk534R', { amountMinor: '12356', currency: 'BRL' }]);
    expect([charge.type, charge.orderId]).toEqual(['order_paid', order.orderId]);
    expect(order.customer).toEqual({ phone: '+5521987654321', email: 'fabio@example.com', name: 'FABIO' });
    expect(order.product).toBe('Produto');
  });

  it('charge.pending boleto → boleto_issued with the boleto URL and digitable line', () => {
    const e = read('charge-pending-boleto.json').events[0];
    expect(e).toMatchObject({
      type: 'boleto_issued',
      orderId: 'or_B0letoOrder00001',
      amount: { amountMinor: '19990', currency: 'BRL' },
      customer: { phone: '+5511987654321', email: 'maria.silva@example.com', name: 'Maria da Silva' },
      artefacts: { boletoUrl: 'https://api.pagar.me/core/v5/transactions/tran_B0letoTrans0001/pdf', boletoLine: '34191090080012345678900000000005897310000019990' },
    });
  });

  it('charge.pending pix → pix_issued with the QR code and its expiry; phone parts sent as numbers', () => {
    const r = read('charge-pending-pix.json');
    expect(r.events[0]).toMatchObject({
      type: 'pix_issued',
      customer: { phone: '+5521998765432' },
      amount: { amountMinor: '4990', currency: 'BRL' },
      artefacts: { pixCode: expect.stringMatching(/^00020101/), pixExpiresAt: '2024-05-10T14:05:00Z' },
    });
    expect(r.warnings).toEqual([]);
  });

  it('charge.payment_failed credit card → card_declined; charge.refunded → refunded', () => {
    const declined = read('charge-payment-failed-card.json').events[0];
    expect([declined.type, declined.orderId, declined.customer.phone, declined.customer.name]).toEqual(['card_declined', 'or_Fa1ledOrder00003', '+5531988776655', 'Ana Lima']);
    const refunded = read('charge-refunded.json').events[0];
    expect([refunded.type, refunded.orderId, refunded.amount?.amountMinor]).toEqual(['refunded', 'or_ZdnB5BBCmYhk534R', '12356']);
  });

  it('order.canceled → order_cancelled of the order, with its customer and amount', () => {
    const r = read('order-canceled.json');
    expect(r).toMatchObject({ unmapped: [], warnings: [] });
    expect(r.events).toEqual([
      expect.objectContaining({
        type: 'order_cancelled',
        platformEventType: 'order.canceled',
        orderId: 'or_B0letoOrder00001',
        amount: { amountMinor: '19990', currency: 'BRL' },
        customer: { phone: '+5511987654321', email: 'maria.silva@example.com', name: 'Maria da Silva' },
        artefacts: {},
      }),
    ]);
  });

  it('intermediate steps (charge.created) → nothing; unknown types → unmapped', () => {
    const body = (type: string) => fixture('pagarme', 'order-paid.json').replace('"order.paid"', JSON.stringify(type));
    expect(pagarme.parse(body('order.created'), {})).toEqual({ events: [], unmapped: [], warnings: [] });
    expect(pagarme.parse(body('order.teleported'), {}).unmapped).toEqual([{ platformEventType: 'order.teleported', reason: expect.any(String) }]);
  });

  it('case variants are read and reported', () => {
    const r = pagarme.parse(fixture('pagarme', 'order-paid.json').replace('"order.paid"', '"ORDER.PAID"'), {});
    expect(r.events.map((e) => e.type)).toEqual(['order_paid']);
    expect(r.warnings).toEqual(['type: "ORDER.PAID" read as "order.paid"']);
  });

  it('an amount sent as decimal text is refused with a warning naming the field', () => {
    const r = pagarme.parse(fixture('pagarme', 'order-paid.json').replace('"amount": 12356,\n    "currency"', '"amount": "123.56",\n    "currency"'), {});
    expect(r.events[0].amount).toBeNull();
    expect(r.warnings).toEqual(['data.amount: numeric text read as a number', expect.stringMatching(/^data\.amount: .*not an integer amount/)]);
  });

  it('not JSON, or no type → InvalidStorePayloadError', () => {
    expect(() => pagarme.parse('{"id": "hook_1", "data": {}', {})).toThrow(InvalidStorePayloadError);
    expect(() => pagarme.parse('{"id": "hook_1", "data": {}}', {})).toThrow(InvalidStorePayloadError);
  });
});
