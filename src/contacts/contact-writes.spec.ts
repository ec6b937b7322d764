import { applyContactWrite, NEW_CONTACT, parseContactWrite } from './contact-writes';

const TYPES = { region: 'string', score: 'number', vip: 'boolean', renewal_at: 'date', brands: 'string_list' } as const;

const ID = '6f1c1d2e-0000-4000-8000-000000000001';

describe('contact writes', () => {
  it('needs an id or an identity to find the contact by', () => {
    expect(parseContactWrite({ name: 'Maria' }, TYPES).errors).toEqual([{ field: 'identities', message: expect.stringMatching(/give the contact an id/) }]);
    expect(parseContactWrite({ id: ID, name: 'Maria' }, TYPES).errors).toEqual([]);
  });

  it('a new contact is reachable on the channels it has an identity for, unless the write says otherwise', () => {
    const { write, errors } = parseContactWrite(
      { identities: [{ type: 'whatsapp', value: '5511987654321' }, { type: 'email', value: 'a@b.co' }], reachability: { email: false } },
      TYPES,
    );
    expect(errors).toEqual([]);
    const row = applyContactWrite(null, write);
    expect(row).toMatchObject({ whatsapp_reachable: true, email_reachable: false, app_installed: false });
  });

  it('changes only what is given; null clears a field, forgets an opt-in, removes an attribute', () => {
    const current = { ...NEW_CONTACT, name: 'Maria', tags: ['a'], opt_ins: { marketing: true, utility: true }, attributes: { region: 'sul', score: 1 } };
    const { write } = parseContactWrite({ name: null, opt_ins: { marketing: null, utility: false }, attributes: { region: null, score: 2 } }, TYPES);
    expect(applyContactWrite(current, write)).toMatchObject({
      name: null,
      tags: ['a'],
      opt_ins: { utility: false },
      attributes: { score: 2 },
    });
  });

  it('checks each declared attribute against its type and names unknown ones', () => {
    const { errors, write } = parseContactWrite(
      { id: ID, attributes: { region: 7, score: '1', vip: 'yes', renewal_at: '2027-02-30', brands: ['x', ''], color: 'blue' } },
      TYPES,
    );
    expect(errors.map((e) => e.field)).toEqual([
      'attributes.region',
      'attributes.score',
      'attributes.vip',
      'attributes.renewal_at',
      'attributes.brands',
      'attributes.color',
    ]);
    expect(write.attributes).toEqual({});
  });

  it('stores dates as ISO instants and rounds the quote to cents', () => {
    const { write, errors } = parseContactWrite({ id: ID, attributes: { renewal_at: '2027-01-15' }, quote_value: 10.456, erp_synced_at: '2026-12-01T10:00:00-03:00' }, TYPES);
    expect(errors).toEqual([]);
    expect(write.attributes.renewal_at).toBe('2027-01-15T00:00:00.000Z');
    expect(write.set).toMatchObject({ quote_value: 10.46, erp_synced_at: '2026-12-01T13:00:00.000Z' });
  });
});
