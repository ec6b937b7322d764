import { identityTerms, scrubWebhookBody } from './webhook-scrub';

const ERASED = '5511987654321';
const OTHER = '5521912345678';

function change(from: string, name: string, wamid: string) {
  return {
    field: 'messages',
    value: {
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: '5511400000000', phone_number_id: '123456789012345' },
      contacts: [{ profile: { name }, wa_id: from }],
      messages: [{ from, id: wamid, timestamp: '1732160000', type: 'text', text: { body: `oi de ${name}` } }],
    },
  };
}
const delivery = (...changes: unknown[]) => ({ object: 'whatsapp_business_account', entry: [{ id: '102290129340398', changes }] });

describe('identityTerms', () => {
  it('adds the digits of phone identities, keeps other values as they are', () => {
    expect(
      identityTerms([
        { kind: 'phone', value: '+5511987654321' },
        { kind: 'whatsapp', value: ERASED },
        { kind: 'email', value: 'maria@example.com' },
      ]).sort(),
    ).toEqual(['+5511987654321', ERASED, 'maria@example.com'].sort());
  });

  it('does not turn a short phone into a term that would match any number', () => {
    expect(identityTerms([{ kind: 'phone', value: '+55 11' }])).toEqual(['+55 11']);
  });
});

describe('scrubWebhookBody', () => {
  const terms = identityTerms([{ kind: 'whatsapp', value: ERASED }]);

  it('keeps a delivery that does not name the contact', () => {
    expect(scrubWebhookBody(JSON.stringify(delivery(change(OTHER, 'João', 'wamid.B'))), terms)).toEqual({ action: 'keep' });
  });

  it('deletes a delivery about the contact alone', () => {
    expect(scrubWebhookBody(JSON.stringify(delivery(change(ERASED, 'Maria', 'wamid.A'))), terms)).toEqual({ action: 'delete' });
  });

  it("rewrites a batched delivery without the contact's change, keeping the other customer's", () => {
    const result = scrubWebhookBody(JSON.stringify(delivery(change(ERASED, 'Maria', 'wamid.A'), change(OTHER, 'João', 'wamid.B'))), terms);
    expect(result.action).toBe('rewrite');
    const body = (result as { body: string }).body;
    expect(body).not.toContain(ERASED);
    expect(body).not.toContain('Maria');
    expect(JSON.parse(body)).toEqual(delivery(change(OTHER, 'João', 'wamid.B')));
  });

  it("drops the contact's elements of a change that carries two customers", () => {
    const mixed = change(OTHER, 'João', 'wamid.B');
    mixed.value.contacts.push({ profile: { name: 'Maria' }, wa_id: ERASED });
    mixed.value.messages.push({ from: ERASED, id: 'wamid.A', timestamp: '1732160001', type: 'text', text: { body: 'segredo' } });
    const result = scrubWebhookBody(JSON.stringify(delivery(mixed)), terms);
    expect(result).toEqual({ action: 'rewrite', body: JSON.stringify(delivery(change(OTHER, 'João', 'wamid.B'))) });
  });

  it("drops a change left with only the other customer's profile and no event", () => {
    const mixed = change(ERASED, 'Maria', 'wamid.A');
    mixed.value.contacts.push({ profile: { name: 'João' }, wa_id: OTHER });
    expect(scrubWebhookBody(JSON.stringify(delivery(mixed, change(OTHER, 'João', 'wamid.B'))), terms)).toEqual({
      action: 'rewrite',
      body: JSON.stringify(delivery(change(OTHER, 'João', 'wamid.B'))),
    });
  });

  it('deletes a status webhook naming the contact as recipient', () => {
    const status = { field: 'messages', value: { statuses: [{ id: 'wamid.S', status: 'read', recipient_id: ERASED }] } };
    expect(scrubWebhookBody(JSON.stringify(delivery(status)), terms)).toEqual({ action: 'delete' });
  });

  it('deletes a body that is not JSON, or not shaped as entries, when it names the contact', () => {
    expect(scrubWebhookBody(`from=${ERASED}&text=oi`, terms)).toEqual({ action: 'delete' });
    expect(scrubWebhookBody(JSON.stringify({ from: ERASED }), terms)).toEqual({ action: 'delete' });
  });

  it('deletes when the contact is named outside any array of events', () => {
    const odd = { field: 'messages', value: { note: `about ${ERASED}`, messages: [{ from: OTHER, id: 'wamid.B' }] } };
    expect(scrubWebhookBody(JSON.stringify(delivery(odd)), terms)).toEqual({ action: 'delete' });
  });
});
