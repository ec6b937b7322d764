import { apiClient, createTenant, randomWaId, startApi, testConfig, type RunningApi } from './support/stack';

describe('tenancy, API keys and input validation', () => {
  const config = testConfig();
  let api: RunningApi;

  beforeAll(async () => {
    api = await startApi(config);
  });
  afterAll(async () => {
    await api.close();
  });

  it('rejects requests without a key, with a wrong key and with a revoked key', async () => {
    const tenant = await createTenant(api, config);
    expect((await apiClient(api.url)('GET', '/v1/contacts')).status).toBe(401);
    const wrong = await apiClient(api.url, 'rk_not-a-real-key')('GET', '/v1/contacts');
    expect(wrong.status).toBe(401);
    expect(wrong.body.message).toMatch(/invalid or revoked/);

    const extra = await tenant.call('POST', '/v1/api-keys', { name: 'erp' });
    expect(extra.status).toBe(201);
    expect(extra.body.key).toMatch(/^rk_/);
    const erp = apiClient(api.url, extra.body.key);
    expect((await erp('GET', '/v1/account')).status).toBe(200);
    expect((await tenant.call('DELETE', `/v1/api-keys/${extra.body.id}`)).status).toBe(204);
    expect((await erp('GET', '/v1/account')).status).toBe(401);

    const listed = await tenant.call('GET', '/v1/api-keys');
    expect(listed.body.map((k: { id: string }) => k.id)).toContain(extra.body.id);
    expect(JSON.stringify(listed.body)).not.toContain(extra.body.key);
  });

  it('creating an account needs the operator token', async () => {
    const tenant = await createTenant(api, config);
    expect((await tenant.call('POST', '/v1/admin/accounts', { name: 'x' })).status).toBe(401);
    expect((await apiClient(api.url)('POST', '/v1/admin/accounts', { name: 'x' })).status).toBe(401);
  });

  it("answers 404 for another tenant's resources and never lists them", async () => {
    const a = await createTenant(api, config, 'A');
    const b = await createTenant(api, config, 'B');
    const contact = await a.call('POST', '/v1/contacts', { wa_id: randomWaId(), name: 'Maria' });
    expect(contact.status).toBe(201);
    expect((await a.call('GET', `/v1/contacts/${contact.body.id}`)).status).toBe(200);
    const foreign = await b.call('GET', `/v1/contacts/${contact.body.id}`);
    expect(foreign.status).toBe(404);
    expect((await b.call('GET', '/v1/contacts')).body).toEqual([]);
    // B cannot send through A's number either.
    const send = await b.call('POST', '/v1/messages', {
      whatsapp_number_id: a.numberId,
      to: randomWaId(),
      type: 'text',
      text: { body: 'oi' },
    });
    expect(send.status).toBe(404);
    expect(send.body.message).toContain(a.numberId);
  });

  it('agents get personal tokens; only admins and system keys manage the account', async () => {
    const tenant = await createTenant(api, config);
    const agent = await tenant.call('POST', '/v1/agents', { name: 'Ana', email: 'ana@example.com' });
    expect(agent.status).toBe(201);
    expect(agent.body.agent.role).toBe('agent');
    const asAgent = apiClient(api.url, agent.body.api_key.key);
    expect((await asAgent('GET', '/v1/agents')).status).toBe(200);
    expect((await asAgent('POST', '/v1/agents', { name: 'Bia', email: 'bia@example.com' })).status).toBe(403);
    const duplicate = await tenant.call('POST', '/v1/agents', { name: 'Ana 2', email: 'ANA@example.com' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.message).toMatch(/^email:/);
  });

  it('names the offending field in validation errors', async () => {
    const tenant = await createTenant(api, config);
    const badAgent = await tenant.call('POST', '/v1/agents', { name: 'Ana', email: 'not-an-email', role: 'boss' });
    expect(badAgent.status).toBe(400);
    expect(badAgent.body.message.join(' ')).toMatch(/email must be an email/);
    expect(badAgent.body.message.join(' ')).toMatch(/role must be one of/);

    const extraField = await tenant.call('POST', '/v1/contacts', { wa_id: randomWaId(), admin: true });
    expect(extraField.status).toBe(400);
    expect(extraField.body.message.join(' ')).toMatch(/property admin should not exist/);

    const badPhone = await tenant.call('POST', '/v1/contacts', { wa_id: '+55 (11) 9' });
    expect(badPhone.status).toBe(400);
    expect(badPhone.body.message.join(' ')).toMatch(/wa_id must be the phone number/);

    const badNumber = await tenant.call('POST', '/v1/whatsapp-numbers', { phone_number_id: 'abc' });
    expect(badNumber.status).toBe(400);
    expect(badNumber.body.message.join(' ')).toMatch(/phone_number_id must be the numeric/);
    expect(badNumber.body.message.join(' ')).toMatch(/access_token/);

    const notJson = await tenant.call('POST', '/v1/contacts', '{"wa_id":', { 'content-type': 'application/json' });
    expect(notJson.status).toBe(400);
    expect(notJson.body.message).toMatch(/not valid JSON/);

    const badId = await tenant.call('GET', '/v1/messages/not-a-uuid');
    expect(badId.status).toBe(400);

    const badSend = await tenant.call('POST', '/v1/messages', { whatsapp_number_id: tenant.numberId, type: 'text' });
    expect(badSend.status).toBe(400);
    expect(badSend.body.message.join(' ')).toMatch(/^to must be the phone number/);
  });

  it('rejects message content that does not match the Cloud API spec, naming the field', async () => {
    const tenant = await createTenant(api, config);
    const noContent = await tenant.call('POST', '/v1/messages', { whatsapp_number_id: tenant.numberId, to: randomWaId(), type: 'text' });
    expect(noContent.status).toBe(422);
    expect(noContent.body.field).toBe('text');
    const wrongShape = await tenant.call('POST', '/v1/messages', {
      whatsapp_number_id: tenant.numberId,
      to: randomWaId(),
      type: 'text',
      text: { body: 'oi', colour: 'blue' },
    });
    expect(wrongShape.status).toBe(422);
    expect(wrongShape.body.message).toMatch(/colour/);
  });

  it('connecting the same WhatsApp number twice is a conflict', async () => {
    const tenant = await createTenant(api, config);
    const again = await tenant.call('POST', '/v1/whatsapp-numbers', {
      phone_number_id: tenant.phoneNumberId,
      waba_id: '1234567',
      display_phone_number: '+55 11 4000-0000',
      access_token: 't',
    });
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/^phone_number_id:/);
  });

  describe('bad input on every endpoint answers 4xx naming the field', () => {
    const cases: Array<[string, string, unknown, number, RegExp]> = [
      ['POST', '/v1/admin/accounts', { name: '' }, 400, /name should not be empty/],
      ['POST', '/v1/agents', { email: 'a@b.co' }, 400, /name must be a string/],
      ['POST', '/v1/api-keys', {}, 400, /name must be a string/],
      ['DELETE', '/v1/api-keys/123', undefined, 400, /uuid is expected/],
      ['DELETE', '/v1/api-keys/00000000-0000-4000-8000-000000000000', undefined, 404, /api key .* not found/],
      ['POST', '/v1/whatsapp-numbers', { phone_number_id: '1234567', waba_id: 'x', display_phone_number: '1', access_token: 't' }, 400, /waba_id must be the numeric/],
      ['GET', '/v1/contacts?limit=0', undefined, 400, /limit must not be less than 1/],
      ['GET', '/v1/contacts?wa_id=abc', undefined, 400, /wa_id must be the phone number/],
      ['GET', '/v1/contacts/xyz', undefined, 400, /uuid is expected/],
      ['POST', '/v1/messages', { whatsapp_number_id: 'nope', to: '5511987654321', type: 'text', text: { body: 'x' } }, 400, /whatsapp_number_id must be a UUID/],
      ['POST', '/v1/messages', { whatsapp_number_id: '00000000-0000-4000-8000-000000000000', to: '5511987654321', type: 'fax' }, 400, /type must be one of/],
      ['GET', '/v1/messages?limit=1000', undefined, 400, /limit must not be greater than 200/],
      ['GET', '/v1/messages?contact_id=1', undefined, 400, /contact_id must be a UUID/],
      ['GET', '/v1/webhooks?status=lost', undefined, 400, /status must be one of/],
    ];
    it.each(cases)('%s %s', async (method, path, body, status, message) => {
      const tenant = await createTenant(api, config);
      const call = path.startsWith('/v1/admin/') ? apiClient(api.url, config.adminToken) : tenant.call;
      const res = await call(method, path, body);
      expect(res.status).toBe(status);
      const text = Array.isArray(res.body.message) ? res.body.message.join('; ') : String(res.body.message);
      expect(text).toMatch(message);
    });

    it('an Idempotency-Key over 200 characters', async () => {
      const tenant = await createTenant(api, config);
      const res = await tenant.call(
        'POST',
        '/v1/messages',
        { whatsapp_number_id: tenant.numberId, to: randomWaId(), type: 'text', text: { body: 'x' } },
        { 'idempotency-key': 'k'.repeat(201) },
      );
      expect(res.status).toBe(422);
      expect(res.body.field).toBe('Idempotency-Key');
    });
  });
});
