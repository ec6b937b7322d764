import { signWebhook } from '../src/whatsapp/signature';
import { apiClient, createTenant, randomWaId, startApi, testConfig, type RunningApi } from './support/stack';

function inboundText(phoneNumberId: string, from: string, id: string, body: string) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '5511400000000', phone_number_id: phoneNumberId },
              contacts: [{ profile: { name: 'Maria Silva' }, wa_id: from }],
              messages: [{ from, id, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body } }],
            },
          },
        ],
      },
    ],
  };
}

describe('WhatsApp webhook endpoint', () => {
  const config = testConfig();
  let api: RunningApi;
  const post = (raw: string, signature?: string) =>
    fetch(`${api.url}/v1/webhooks/whatsapp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(signature ? { 'x-hub-signature-256': signature } : {}) },
      body: raw,
    });

  beforeAll(async () => {
    api = await startApi(config);
  });
  afterAll(async () => {
    await api.close();
  });

  it('answers the verification handshake only with the right token', async () => {
    const ok = await fetch(
      `${api.url}/v1/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=${config.whatsapp.verifyToken}&hub.challenge=1158201444`,
    );
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('1158201444');
    const bad = await fetch(`${api.url}/v1/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1`);
    expect(bad.status).toBe(403);
  });

  it('rejects a missing or wrong signature with 401 and stores nothing', async () => {
    const operator = apiClient(api.url, config.adminToken);
    const before = (await operator('GET', '/v1/admin/webhooks?limit=500')).body.length;
    const raw = JSON.stringify(inboundText('1', randomWaId(), 'wamid.x', 'oi'));
    expect((await post(raw)).status).toBe(401);
    expect((await post(raw, signWebhook(raw, 'another-secret'))).status).toBe(401);
    expect((await post(raw + ' ', signWebhook(raw, config.whatsapp.appSecret))).status).toBe(401);
    const after = (await operator('GET', '/v1/admin/webhooks?limit=500')).body.length;
    expect(after).toBe(before);
  });

  it('stores an inbound message once even when Meta delivers it twice, and opens the 24 h window', async () => {
    const tenant = await createTenant(api, config);
    const from = randomWaId();
    const wamid = `wamid.test-${Date.now()}`;
    const raw = JSON.stringify(inboundText(tenant.phoneNumberId, from, wamid, 'Tem dipirona?'));
    for (let i = 0; i < 2; i++) {
      const res = await post(raw, signWebhook(raw, config.whatsapp.appSecret));
      expect(res.status).toBe(200);
    }
    const contacts = await tenant.call('GET', `/v1/contacts?wa_id=${from}`);
    expect(contacts.body).toHaveLength(1);
    expect(contacts.body[0].name).toBe('Maria Silva');
    expect(contacts.body[0].last_inbound_at).not.toBeNull();
    const messages = await tenant.call('GET', `/v1/messages?contact_id=${contacts.body[0].id}`);
    expect(messages.body).toHaveLength(1);
    expect(messages.body[0]).toMatchObject({ direction: 'inbound', state: 'received', provider_message_id: wamid });

    const deliveries = await tenant.call('GET', '/v1/webhooks?status=processed');
    expect(deliveries.body).toHaveLength(2);
  });

  it('keeps malformed and invalid payloads as invalid with the reason, and answers 200', async () => {
    const tenant = await createTenant(api, config);
    const notJson = '{"object": "whatsapp_business_account", "entry": [';
    expect((await post(notJson, signWebhook(notJson, config.whatsapp.appSecret))).status).toBe(200);

    const wrongShape = JSON.stringify({ object: 'whatsapp_business_account', entry: 'nope' });
    expect((await post(wrongShape, signWebhook(wrongShape, config.whatsapp.appSecret))).status).toBe(200);

    const unknownNumber = JSON.stringify(inboundText('999000111222', randomWaId(), `wamid.u${Date.now()}`, 'oi'));
    expect((await post(unknownNumber, signWebhook(unknownNumber, config.whatsapp.appSecret))).status).toBe(200);

    const operator = apiClient(api.url, config.adminToken);
    const invalid: Array<{ raw_body: string; error: string }> = (await operator('GET', '/v1/admin/webhooks?status=invalid&limit=500')).body;
    const byBody = (raw: string) => invalid.find((w) => w.raw_body === raw);
    expect(byBody(notJson)?.error).toMatch(/not JSON/);
    expect(byBody(wrongShape)?.error).toMatch(/entry/);
    expect(byBody(unknownNumber)?.error).toMatch(/999000111222 is not connected/);
    // A tenant sees only its own deliveries.
    expect((await tenant.call('GET', '/v1/webhooks?status=invalid')).body).toEqual([]);
  });
});
