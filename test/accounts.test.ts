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
});
