import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { createPool } from '../src/db/database';
import { createTenant, randomWaId, startApi, testConfig, type RunningApi } from './support/stack';

/** Contacts of every channel: upsert by id or any identity, PATCH, bulk, custom attributes, bad input. */
describe('contacts API', () => {
  const config = testConfig({ CONTACTS_BULK_MAX: '50' });
  let api: RunningApi;
  let pool: Pool;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  const phone = () => `+55 (11) 9${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
  const digits = (p: string) => p.replace(/\D/g, '');
  const outboxVersion = async (id: string) =>
    (await pool.query<{ version: string }>('SELECT version FROM contact_index_outbox WHERE contact_id = $1', [id])).rows[0]?.version;

  beforeAll(async () => {
    api = await startApi(config);
    pool = createPool(config.databaseUrl, 2);
    tenant = await createTenant(api, config, 'Contatos');
    for (const [key, type] of [['region', 'string'], ['score', 'number'], ['vip', 'boolean'], ['renewal_at', 'date'], ['brands', 'string_list']]) {
      expect((await tenant.call('PUT', `/v1/contact-attributes/${key}`, { type, label: key })).status).toBe(201);
    }
  });
  afterAll(async () => {
    await pool?.end();
    await api?.close();
  });

  it('creates a contact with identities in canonical form, then finds it again by any of them', async () => {
    const p = phone();
    const email = `Maria.${randomUUID().slice(0, 8)}@Example.com`;
    const created = await tenant.call('POST', '/v1/contacts', {
      name: 'Maria Silva',
      identities: [{ type: 'phone', value: p }, { type: 'email', value: email }],
      tags: ['vip', 'sp'],
      opt_ins: { marketing: true },
      quote_value: 1499.9,
      attributes: { region: 'sul', score: 7, vip: true, renewal_at: '2027-01-15', brands: ['acme'] },
    });
    expect(created.status).toBe(201);
    expect(created.body.identities).toEqual([
      { type: 'email', value: email.toLowerCase() },
      { type: 'phone', value: `+${digits(p)}` },
    ]);
    expect(created.body).toMatchObject({
      name: 'Maria Silva',
      tags: ['vip', 'sp'],
      opt_ins: { marketing: true },
      quote_value: 1499.9,
      reachability: { whatsapp: false, email: true, app: false, telegram: false },
      attributes: { region: 'sul', score: 7, vip: true, renewal_at: '2027-01-15T00:00:00.000Z', brands: ['acme'] },
      wa_id: null,
    });

    const again = await tenant.call('POST', '/v1/contacts', { identities: [{ type: 'email', value: email.toUpperCase() }], status: 'lead' });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(created.body.id);
    expect(again.body).toMatchObject({ status: 'lead', name: 'Maria Silva', tags: ['vip', 'sp'], attributes: { score: 7 } });
    expect(again.body.revision).toBeGreaterThan(created.body.revision);

    const listed = await tenant.call('GET', `/v1/contacts?phone=${encodeURIComponent(digits(p))}`);
    expect(listed.body.map((c: { id: string }) => c.id)).toEqual([created.body.id]);
  });

  it('PATCH changes only the given fields; null clears; opt-ins and attributes change key by key', async () => {
    const created = (await tenant.call('POST', '/v1/contacts', {
      wa_id: randomWaId(),
      name: 'João',
      order_number: 'PED-1',
      opt_ins: { marketing: true, utility: true },
      attributes: { region: 'norte', score: 1 },
    })).body;
    expect(created.reachability.whatsapp).toBe(true);
    const before = await outboxVersion(created.id);
    const patched = await tenant.call('PATCH', `/v1/contacts/${created.id}`, {
      order_number: null,
      opt_ins: { marketing: false },
      attributes: { score: 2, region: null },
      reachability: { app: true },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      name: 'João',
      order_number: null,
      opt_ins: { marketing: false, utility: true },
      attributes: { score: 2 },
      reachability: { whatsapp: true, app: true },
    });
    expect(patched.body.attributes).not.toHaveProperty('region');
    // The same transaction marked it for the search index.
    expect(Number(await outboxVersion(created.id))).toBeGreaterThan(Number(before ?? 0));

    expect((await tenant.call('PATCH', `/v1/contacts/${randomUUID()}`, { name: 'x' })).status).toBe(404);
  });

  it('upserts by id: creates the contact with that id when absent', async () => {
    const id = randomUUID();
    const first = await tenant.call('POST', '/v1/contacts', { id, name: 'Com id' });
    expect(first.status).toBe(201);
    expect(first.body.id).toBe(id);
    const second = await tenant.call('POST', '/v1/contacts', { id, name: 'Com id 2' });
    expect(second.status).toBe(200);
    expect(second.body.name).toBe('Com id 2');
  });

  it('refuses identities of two different contacts with 409 naming them, and writes nothing', async () => {
    const a = (await tenant.call('POST', '/v1/contacts', { identities: [{ type: 'phone', value: phone() }] })).body;
    const b = (await tenant.call('POST', '/v1/contacts', { identities: [{ type: 'telegram', value: '123456789' + String(Date.now()).slice(-6) }] })).body;
    const res = await tenant.call('POST', '/v1/contacts', { identities: [a.identities[0], b.identities[0]], name: 'Ambos' });
    expect(res.status).toBe(409);
    expect(res.body.message).toContain(a.id);
    expect(res.body.message).toContain(b.id);
    expect((await tenant.call('GET', `/v1/contacts/${a.id}`)).body.name).toBeNull();
  });

  it('answers bad input with the field named, and writes nothing of a failed single upsert', async () => {
    const p = phone();
    const cases: [unknown, number, RegExp][] = [
      [{ identities: [{ type: 'phone', value: '12' }] }, 422, /identities\.0\.value: must be a phone number/],
      [{ identities: [{ type: 'email', value: 'not-an-email' }] }, 422, /identities\.0\.value: must be an e-mail/],
      [{ identities: [{ type: 'fax', value: '1' }] }, 400, /type must be one of/],
      [{ identities: [{ type: 'phone', value: p }], attributes: { color: 'blue' } }, 422, /attributes\.color: is not a declared custom attribute/],
      [{ identities: [{ type: 'phone', value: p }], attributes: { score: 'high' } }, 422, /attributes\.score: must be a number/],
      [{ identities: [{ type: 'phone', value: p }], attributes: { renewal_at: 'tomorrow' } }, 422, /attributes\.renewal_at: must be a date/],
      [{ identities: [{ type: 'phone', value: p }], erp_synced_at: 'yesterday' }, 422, /erp_synced_at: must be a date-time/],
      [{ identities: [{ type: 'phone', value: p }], assigned_agent_id: randomUUID() }, 422, /assigned_agent_id: no agent/],
      [{ identities: [{ type: 'phone', value: p }], quote_value: -1 }, 400, /quote_value must not be less than 0/],
      [{ name: 'sem identidade' }, 422, /identities: give the contact an id or at least one identity/],
    ];
    for (const [body, status, message] of cases) {
      const res = await tenant.call('POST', '/v1/contacts', body);
      expect({ body, status: res.status }).toEqual({ body, status });
      expect([res.body.message].flat().join(' ')).toMatch(message);
    }
    // None of the refused writes created the phone's contact.
    expect((await tenant.call('GET', `/v1/contacts?phone=${encodeURIComponent(p)}`)).body).toEqual([]);
  });

  it('bulk applies the valid items and reports the others by index with their fields', async () => {
    const existing = (await tenant.call('POST', '/v1/contacts', { identities: [{ type: 'phone', value: phone() }], name: 'Antes' })).body;
    const fresh = phone();
    const res = await tenant.call('POST', '/v1/contacts/bulk', {
      contacts: [
        { identities: [{ type: 'phone', value: fresh }], name: 'Nova', attributes: { score: 3 } },
        { id: existing.id, name: 'Depois', tags: ['bulk'] },
        { identities: [{ type: 'phone', value: 'abc' }] },
        { identities: [{ type: 'phone', value: phone() }], attributes: { vip: 'yes' } },
        { identities: [{ type: 'phone', value: phone() }], unknown_field: 1 },
        { identities: [{ type: 'phone', value: fresh }], name: 'Repetida' },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ created: 1, updated: 1, failed: 4 });
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual(['created', 'updated', 'failed', 'failed', 'failed', 'failed']);
    expect(res.body.results[2].errors).toEqual([{ field: 'identities.0.value', message: expect.stringMatching(/phone number/) }]);
    expect(res.body.results[3].errors[0].field).toBe('attributes.vip');
    expect(res.body.results[4].errors[0]).toEqual({ field: 'unknown_field', message: 'property unknown_field should not exist' });
    expect(res.body.results[5].errors[0].message).toMatch(/already written by item 0/);
    expect((await tenant.call('GET', `/v1/contacts/${existing.id}`)).body).toMatchObject({ name: 'Depois', tags: ['bulk'] });
    const created = await tenant.call('GET', `/v1/contacts/${res.body.results[0].id}`);
    expect(created.body).toMatchObject({ name: 'Nova', attributes: { score: 3 } });
  });

  it('refuses a bulk request over the limit with 413 naming it', async () => {
    const contacts = Array.from({ length: 51 }, () => ({ identities: [{ type: 'phone', value: phone() }] }));
    const res = await tenant.call('POST', '/v1/contacts/bulk', { contacts });
    expect(res.status).toBe(413);
    expect(res.body.message).toMatch(/at most 50 contacts per request \(CONTACTS_BULK_MAX\), got 51/);
  });

  it('concurrent upserts of one new identity create one contact', async () => {
    const p = phone();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, n) => tenant.call('POST', '/v1/contacts', { identities: [{ type: 'phone', value: p }], tags: [`t${n}`] })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
  });

  it('keeps a declared attribute type fixed and a tenant out of another tenant’s contacts', async () => {
    const conflict = await tenant.call('PUT', '/v1/contact-attributes/score', { type: 'string' });
    expect(conflict.status).toBe(409);
    expect(conflict.body.message).toMatch(/declared number/);
    expect((await tenant.call('PUT', '/v1/contact-attributes/Bad-Key', { type: 'string' })).status).toBe(400);

    const other = await createTenant(api, config, 'Outra');
    const mine = (await tenant.call('POST', '/v1/contacts', { identities: [{ type: 'phone', value: phone() }] })).body;
    expect((await other.call('GET', `/v1/contacts/${mine.id}`)).status).toBe(404);
    expect((await other.call('PATCH', `/v1/contacts/${mine.id}`, { name: 'x' })).status).toBe(404);
    // The same identity in another account is another customer.
    const theirs = await other.call('POST', '/v1/contacts', { identities: mine.identities });
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(mine.id);
  });
});
