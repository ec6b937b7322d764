import { InvalidStorePayloadError } from '../canonical-event';
import { asaasAdapter as asaas } from './asaas';
import { fixture } from './fixtures.spec-helper';

const read = (file: string) => asaas.parse(fixture('asaas', file), {});
const CUSTOMER_WARNING = 'payment.customer: sent as the id cus_000005219613: name, e-mail and phone are not in the payload; customer left empty';

describe('Asaas adapter', () => {
  describe('verify (asaas-access-token)', () => {
    const raw = Buffer.from(fixture('asaas', 'payment-received.json'));
    it('accepts the token set on the webhook', () => {
      expect(asaas.verify(raw, { 'asaas-access-token': 'tok_0123456789abcdef0123456789abcdef' }, { access_token: 'tok_0123456789abcdef0123456789abcdef' })).toBe(true);
      expect(asaas.verify(raw, { 'Asaas-Access-Token': 'tok_0123456789abcdef0123456789abcdef' }, { access_token: 'tok_0123456789abcdef0123456789abcdef' })).toBe(true);
    });
    it('refuses a wrong or missing token, and a store without one', () => {
      expect(asaas.verify(raw, { 'asaas-access-token': 'tok_wrong' }, { access_token: 'tok_0123456789abcdef0123456789abcdef' })).toBe(false);
      expect(asaas.verify(raw, {}, { access_token: 'tok_0123456789abcdef0123456789abcdef' })).toBe(false);
      expect(asaas.verify(raw, { 'asaas-access-token': 'x' }, {})).toBe(false);
    });
  });

  it('the documentation example as published (with // comments) is not JSON → InvalidStorePayloadError', () => {
    expect(() => read('docs-payment-received.jsonc')).toThrow(InvalidStorePayloadError);
  });

  it('PAYMENT_RECEIVED (documented example) → order_paid; the customer is only an id, reported', () => {
    expect(read('payment-received.json')).toEqual({
      events: [
        {
          type: 'order_paid',
          platform: 'asaas',
          platformEventType: 'PAYMENT_RECEIVED',
          platformEventId: 'evt_05b708f961d739ea7eba7e4db318f621&368604920',
          occurredAt: '2024-06-12T16:45:03-03:00',
          customer: { phone: null, email: null, name: null },
          orderId: 'pay_080225913252',
          cartId: null,
          amount: { amountMinor: '10000', currency: 'BRL' },
          product: 'Pedido 056984',
          artefacts: { paymentUrl: 'https://www.asaas.com/i/080225913252' },
        },
      ],
      unmapped: [],
      warnings: ['payment.customer: sent as the id cus_G7Dvo4iphUNk: name, e-mail and phone are not in the payload; customer left empty'],
    });
  });

  it('PAYMENT_CREATED boleto → boleto_issued with the slip URL; 150.9 reais → 15090 exactly', () => {
    const r = read('payment-created-boleto.json');
    expect(r.events[0]).toMatchObject({
      type: 'boleto_issued',
      orderId: 'pay_5831297742',
      amount: { amountMinor: '15090', currency: 'BRL' },
      artefacts: { boletoUrl: 'https://www.asaas.com/b/pdf/5831297742', paymentUrl: 'https://www.asaas.com/i/5831297742' },
    });
    expect(r.warnings).toEqual([CUSTOMER_WARNING]);
  });

  it('PAYMENT_DELETED (a charge removed) → order_cancelled of the payment', () => {
    const r = read('payment-deleted-boleto.json');
    expect(r.events).toEqual([
      expect.objectContaining({
        type: 'order_cancelled',
        platformEventType: 'PAYMENT_DELETED',
        platformEventId: 'evt_5f1d2e0c9b7a4c3e8d6f0a1b2c3d4e5f&89052131',
        occurredAt: '2024-06-15T10:12:40-03:00',
        orderId: 'pay_5831297742',
        amount: { amountMinor: '15090', currency: 'BRL' },
      }),
    ]);
    expect(r).toMatchObject({ unmapped: [], warnings: [CUSTOMER_WARNING] });
  });

  it('PAYMENT_CREATED pix → pix_issued; credit card → nothing to remind', () => {
    expect(read('payment-created-pix.json').events.map((e) => [e.type, e.amount?.amountMinor])).toEqual([['pix_issued', '4990']]);
    expect(read('payment-created-credit-card.json')).toMatchObject({ events: [], unmapped: [] });
  });

  it('one boleto paid arrives as PAYMENT_CONFIRMED and PAYMENT_RECEIVED: both order_paid, same order id, different event ids', () => {
    const confirmed = read('payment-confirmed-boleto.json').events[0];
    const received = read('payment-received-boleto.json').events[0];
    expect([confirmed.type, received.type]).toEqual(['order_paid', 'order_paid']);
    expect(confirmed.orderId).toBe('pay_5831297742');
    expect(received.orderId).toBe(confirmed.orderId);
    expect(received.platformEventId).not.toBe(confirmed.platformEventId);
  });

  it('PAYMENT_OVERDUE of a subscription → subscription_late; of a one-off charge → unmapped with its reason', () => {
    expect(read('payment-overdue-subscription.json').events.map((e) => [e.type, e.amount?.amountMinor])).toEqual([['subscription_late', '1990']]);
    expect(read('payment-overdue-one-off.json').unmapped).toEqual([{ platformEventType: 'PAYMENT_OVERDUE', reason: expect.stringMatching(/one-off/) }]);
  });

  it('PAYMENT_REFUNDED → refunded; PAYMENT_CREDIT_CARD_CAPTURE_REFUSED → card_declined with the invoice as retry link', () => {
    expect(read('payment-refunded.json').events.map((e) => e.type)).toEqual(['refunded']);
    const declined = read('payment-credit-card-capture-refused.json').events[0];
    expect([declined.type, declined.artefacts.paymentUrl]).toEqual(['card_declined', 'https://www.asaas.com/i/7711029384']);
  });

  it('case variants are read and reported; unknown events are unmapped, known side events ignored', () => {
    const body = (event: string) => fixture('asaas', 'payment-refunded.json').replace('"PAYMENT_REFUNDED"', JSON.stringify(event));
    const r = asaas.parse(body('payment_refunded'), {});
    expect(r.events.map((e) => e.type)).toEqual(['refunded']);
    expect(r.warnings).toContain('event: "payment_refunded" read as "PAYMENT_REFUNDED"');
    expect(asaas.parse(body('PAYMENT_TELEPORTED'), {}).unmapped).toEqual([{ platformEventType: 'PAYMENT_TELEPORTED', reason: expect.any(String) }]);
    expect(asaas.parse(body('PAYMENT_BANK_SLIP_VIEWED'), {})).toEqual({ events: [], unmapped: [], warnings: [] });
  });

  it('a value as text is read and reported; no event → InvalidStorePayloadError', () => {
    const r = asaas.parse(fixture('asaas', 'payment-refunded.json').replace('"value": 150.9', '"value": "150.90"'), {});
    expect(r.events[0].amount).toEqual({ amountMinor: '15090', currency: 'BRL' });
    expect(r.warnings).toContain('payment.value: numeric text read as a number');
    expect(() => asaas.parse('{"payment": {"id": "pay_1"}}', {})).toThrow(InvalidStorePayloadError);
  });
});
