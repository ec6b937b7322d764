import { InvalidStorePayloadError } from '../canonical-event';
import { fixture } from './fixtures.spec-helper';
import { hotmartAdapter as hotmart } from './hotmart';

const read = (file: string) => hotmart.parse(fixture('hotmart', file), {});

describe('Hotmart adapter (webhook v2.0.0)', () => {
  describe('verify (X-HOTMART-HOTTOK)', () => {
    const raw = Buffer.from(fixture('hotmart', 'test-purchase-approved.json'));
    it('accepts the store hottok in any header case', () => {
      expect(hotmart.verify(raw, { 'X-HOTMART-HOTTOK': 'hottok-123' }, { hottok: 'hottok-123' })).toBe(true);
      expect(hotmart.verify(raw, { 'x-hotmart-hottok': 'hottok-123' }, { hottok: 'hottok-123' })).toBe(true);
    });
    it('refuses a wrong or missing hottok, and a store without one', () => {
      expect(hotmart.verify(raw, { 'x-hotmart-hottok': 'hottok-124' }, { hottok: 'hottok-123' })).toBe(false);
      expect(hotmart.verify(raw, {}, { hottok: 'hottok-123' })).toBe(false);
      expect(hotmart.verify(raw, { 'x-hotmart-hottok': '' }, {})).toBe(false);
    });
  });

  it("PURCHASE_APPROVED (Hotmart's test payload) → payment_approved", () => {
    const r = read('test-purchase-approved.json');
    expect(r).toEqual({
      events: [
        {
          type: 'payment_approved',
          platform: 'hotmart',
          platformEventType: 'PURCHASE_APPROVED',
          platformEventId: '545e7d21-8fc4-4906-8fba-dcd7889f6481',
          occurredAt: new Date(1763247745737).toISOString(),
          customer: { phone: '+5599999999900', email: 'testecomprador271101postman15@example.com', name: 'Teste Comprador' },
          orderId: 'HP16015479281022',
          cartId: null,
          amount: { amountMinor: '150000', currency: 'BRL' },
          product: 'Produto test postback2',
          artefacts: {},
        },
      ],
      unmapped: [],
      warnings: [],
    });
  });

  it('PURCHASE_BILLET_PRINTED with a boleto → boleto_printed with its URL and digitable line', () => {
    const r = read('n8n-purchase-billet-printed-billet.json');
    expect(r.events).toHaveLength(1);
    expect(r.events[0]).toMatchObject({
      type: 'boleto_printed',
      orderId: 'HP0970394859',
      amount: { amountMinor: '99700', currency: 'BRL' },
      customer: { phone: null, email: 'user_fa639fd4@example.com', name: 'Ana Souza' },
      artefacts: { boletoUrl: 'https://hotm.art/bHP0970394859', boletoLine: '34191096693696710054089356830003510720000099700' },
    });
    // The anonymised fixture has an IP where the address object goes and a scrambled phone
    // ("+55 11 97529-1fd3"): both reported by field, the phone left empty.
    expect(r.warnings).toEqual(['data.buyer.address: ignored: not an object', expect.stringMatching(/^data\.buyer\.checkout_phone: unreadable phone/)]);
  });

  it('PURCHASE_BILLET_PRINTED paid by PIX → pix_issued with the copy-and-paste code and expiry', () => {
    const e = read('n8n-purchase-billet-printed-pix.json').events[0];
    expect(e.type).toBe('pix_issued');
    expect(e.orderId).toBe('HP0967750879');
    expect(e.amount).toEqual({ amountMinor: '149700', currency: 'BRL' });
    expect(e.artefacts.pixCode).toMatch(/^00020101021226900014br\.gov\.bcb\.pix/);
    expect(e.artefacts.pixExpiresAt).toBe(new Date(1746125358000).toISOString());
  });

  it.each([
    ['n8n-purchase-complete.json', 'order_paid', 'HP0111784220', '15849'],
    ['n8n-purchase-refunded.json', 'refunded', 'HP1212266242', '99700'],
    ['n8n-purchase-delayed.json', 'subscription_late', 'HP1687420669', '813'],
  ])('%s → %s', (file, type, orderId, minor) => {
    const e = read(file).events[0];
    expect([e.type, e.orderId, e.amount]).toEqual([type, orderId, { amountMinor: minor, currency: 'BRL' }]);
  });

  it('PURCHASE_APPROVED for a later recurrence → subscription_renewed', () => {
    const body = fixture('hotmart', 'test-purchase-approved.json').replace('"status": "APPROVED"', '"status": "APPROVED", "recurrence_number": 3');
    expect(hotmart.parse(body, {}).events.map((e) => e.type)).toEqual(['subscription_renewed']);
  });

  it('PURCHASE_OUT_OF_SHOPPING_CART → cart_abandoned with the buyer and the offer as cart', () => {
    const e = read('n8n-purchase-out-of-shopping-cart.json').events[0];
    expect(e).toMatchObject({ type: 'cart_abandoned', cartId: '0rgmjkb1', orderId: null, product: 'Julia Santos', customer: { email: 'user_d2a89c0a@example.com' } });
  });

  it('SUBSCRIPTION_CANCELLATION → subscription_cancelled with the subscriber', () => {
    const e = read('n8n-subscription-cancellation.json').events[0];
    expect(e).toMatchObject({ type: 'subscription_cancelled', platformEventId: 'c530d9dd-ab3f-4f60-bece-cb1e9fb4b23c', customer: { email: 'user_440e059d@example.com', name: 'Julia Oliveira' } });
  });

  it.each([
    ['test-purchase-canceled.json', 'PURCHASE_CANCELED', 'ea409c21-53f7-4478-a870-89a03d6df8d5'],
    ['test-purchase-expired.json', 'PURCHASE_EXPIRED', '1d85822f-fa41-4c58-8c09-0ac945198972'],
  ])("%s (Hotmart's test payload) → order_cancelled of the purchase", (file, event, id) => {
    const r = read(file);
    expect(r).toMatchObject({ unmapped: [], warnings: [] });
    expect(r.events).toEqual([
      expect.objectContaining({
        type: 'order_cancelled',
        platformEventType: event,
        platformEventId: id,
        orderId: 'HP16015479281022',
        amount: { amountMinor: '150000', currency: 'BRL' },
        customer: { phone: '+5599999999900', email: 'testecomprador271101postman15@example.com', name: 'Teste Comprador' },
        artefacts: {},
      }),
    ]);
  });

  it.each([
    ['test-purchase-chargeback.json', 'PURCHASE_CHARGEBACK'],
    ['test-purchase-protest.json', 'PURCHASE_PROTEST'],
    ['n8n-switch-plan.json', 'SWITCH_PLAN'],
  ])('%s → unmapped %s with its reason', (file, event) => {
    const r = read(file);
    expect(r.events).toEqual([]);
    expect(r.unmapped).toEqual([{ platformEventType: event, reason: expect.stringMatching(/canonical event/) }]);
  });

  it('a refused card under PURCHASE_CANCELED → card_declined', () => {
    const body = fixture('hotmart', 'test-purchase-canceled.json').replace('"type": "CREDIT_CARD"', '"type": "CREDIT_CARD", "refusal_reason": "Cartão recusado"');
    expect(hotmart.parse(body, {}).events.map((e) => e.type)).toEqual(['card_declined']);
  });

  it('case variants are read and reported; unknown events are unmapped', () => {
    const body = fixture('hotmart', 'test-purchase-approved.json').replace('"PURCHASE_APPROVED"', '"purchase_approved"');
    const r = hotmart.parse(body, {});
    expect(r.events.map((e) => e.type)).toEqual(['payment_approved']);
    expect(r.warnings).toEqual(['event: "purchase_approved" read as "PURCHASE_APPROVED"']);
    expect(hotmart.parse('{"event": "PURCHASE_TELEPORTED", "data": {}}', {}).unmapped).toEqual([{ platformEventType: 'PURCHASE_TELEPORTED', reason: expect.any(String) }]);
  });

  it('not JSON, or no event → InvalidStorePayloadError', () => {
    expect(() => hotmart.parse('hottok=abc&event=PURCHASE_APPROVED', {})).toThrow(InvalidStorePayloadError);
    expect(() => hotmart.parse('{"data": {}}', {})).toThrow(InvalidStorePayloadError);
  });
});
