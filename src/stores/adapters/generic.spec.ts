import { pushSignature } from '../../channels/app/push-signature';
import { InvalidStorePayloadError } from '../canonical-event';
import { fixture } from './fixtures.spec-helper';
import { genericAdapter as generic } from './generic';

const SECRET = 'whsec_recado_generic';

describe('generic adapter (GENERIC.md)', () => {
  describe('verify (X-Recado-Signature)', () => {
    const raw = Buffer.from(fixture('generic', 'boleto-issued.json'));
    it('accepts a fresh signature of the raw body', () => {
      expect(generic.verify(raw, { 'X-Recado-Signature': pushSignature(SECRET, raw) }, { signing_secret: SECRET })).toBe(true);
    });
    it('refuses a wrong secret, a stale timestamp, a missing header and a store without a secret', () => {
      const now = Math.floor(Date.now() / 1000);
      expect(generic.verify(raw, { 'x-recado-signature': pushSignature('other', raw) }, { signing_secret: SECRET })).toBe(false);
      expect(generic.verify(raw, { 'x-recado-signature': pushSignature(SECRET, raw, now - 3600) }, { signing_secret: SECRET })).toBe(false);
      expect(generic.verify(raw, {}, { signing_secret: SECRET })).toBe(false);
      expect(generic.verify(raw, { 'x-recado-signature': pushSignature(SECRET, raw) }, {})).toBe(false);
    });
    it('a store may widen the tolerance', () => {
      const old = pushSignature(SECRET, raw, Math.floor(Date.now() / 1000) - 3600);
      expect(generic.verify(raw, { 'x-recado-signature': old }, { signing_secret: SECRET, signature_tolerance_seconds: '7200' })).toBe(true);
    });
  });

  it('boleto_issued → the canonical event, order id above 2^53 exact, phone in E.164, e-mail lower-case', () => {
    expect(generic.parse(fixture('generic', 'boleto-issued.json'), {})).toEqual({
      events: [
        {
          type: 'boleto_issued',
          platform: 'generic',
          platformEventType: 'boleto_issued',
          platformEventId: 'erp-7f3c2a10-0001',
          occurredAt: '2024-06-12T16:45:03-03:00',
          customer: { phone: '+5511987654321', email: 'maria@example.com', name: 'Maria Silva' },
          orderId: '98765432109876543210',
          cartId: null,
          amount: { amountMinor: '19990', currency: 'BRL' },
          product: 'Curso de Confeitaria',
          artefacts: {
            boletoUrl: 'https://erp.example.com/boletos/98765432109876543210.pdf',
            boletoLine: '34191.09008 00123.456789 00000.000005 8 97310000019990',
          },
        },
      ],
      unmapped: [],
      warnings: [],
    });
  });

  it('custom → variables as text, no platform id', () => {
    const e = generic.parse(fixture('generic', 'custom-birthday.json'), {}).events[0];
    expect(e).toMatchObject({ type: 'custom', platformEventId: null, customer: { phone: '+5521998765432', name: 'João' } });
    expect(e.variables).toEqual({ occasion: 'birthday', coupon: 'NIVER10', age: '30', vip: 'true' });
  });

  it('order_cancelled → the order it ends', () => {
    const r = generic.parse('{"event": "order_cancelled", "id": "erp-7f3c2a10-0002", "order_id": 1042, "customer": {"phone": "(11) 98765-4321"}}', {});
    expect(r.events).toEqual([expect.objectContaining({ type: 'order_cancelled', platformEventId: 'erp-7f3c2a10-0002', orderId: '1042', customer: { phone: '+5511987654321', email: null, name: null } })]);
    expect(r).toMatchObject({ unmapped: [], warnings: [] });
  });

  it('amount in minor units, or as a decimal number', () => {
    const minor = generic.parse('{"event": "order_paid", "amount": {"minor": 19990, "currency": "brl"}}', {});
    expect(minor.events[0].amount).toEqual({ amountMinor: '19990', currency: 'BRL' });
    const decimal = generic.parse('{"event": "order_paid", "amount": {"value": 1000, "currency": "JPY"}}', {});
    expect(decimal.events[0].amount).toEqual({ amountMinor: '1000', currency: 'JPY' });
    expect(decimal.warnings).toEqual(['amount.value: number read as a decimal text']);
  });

  it('an unreadable phone is left empty with a warning naming the field', () => {
    const r = generic.parse('{"event": "order_paid", "customer": {"phone": "98765-4321"}}', {});
    expect(r.events[0].customer.phone).toBeNull();
    expect(r.warnings).toEqual([expect.stringMatching(/^customer\.phone: unreadable phone/)]);
  });

  it('case variants are read and reported; unknown events are unmapped', () => {
    const r = generic.parse('{"event": "ORDER_PAID"}', {});
    expect(r.events.map((e) => e.type)).toEqual(['order_paid']);
    expect(r.warnings).toEqual(['event: "ORDER_PAID" read as "order_paid"']);
    expect(generic.parse('{"event": "birthday"}', {}).unmapped).toEqual([{ platformEventType: 'birthday', reason: expect.any(String) }]);
  });

  it('not JSON, or no event → InvalidStorePayloadError', () => {
    expect(() => generic.parse('event=order_paid', {})).toThrow(InvalidStorePayloadError);
    expect(() => generic.parse('{"customer": {}}', {})).toThrow(InvalidStorePayloadError);
  });
});
