import { signWebhook } from '../src/whatsapp/signature';
import { inboundTextWebhook } from './support/payloads';
import { apiClient, createTenant, randomWaId, startApi, testConfig, type RunningApi } from './support/stack';

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
    const newest = async () => (await operator('GET', '/v1/admin/webhooks?limit=1')).body[0]?.id;
    const before = await newest();
    const raw = JSON.stringify(inboundTextWebhook('1', randomWaId(), 'wamid.x', 'oi'));
    expect((await post(raw)).status).toBe(401);
    expect((await post(raw, signWebhook(raw, 'another-secret'))).status).toBe(401);
    expect((await post(raw + ' ', signWebhook(raw, config.whatsapp.appSecret))).status).toBe(401);
    expect(await newest()).toBe(before);
  });

  it('stores an inbound message once even when Meta delivers it twice, and opens the 24 h window', async () => {
    const tenant = await createTenant(api, config);
    const from = randomWaId();
    const wamid = `wamid.test-${Date.now()}`;
    const raw = JSON.stringify(inboundTextWebhook(tenant.phoneNumberId, from, wamid, 'Tem dipirona?'));
    for (let i = 0; i < 2; i++) {
      const res = await post(raw, signWebhook(raw, config.whatsapp.appSecret));
      expect(res.status).toBe(200);
    }
    const contacts = await tenant.call('GET', `/v1/contacts?wa_id=${from}`);
    expect(contacts.body).toHaveLength(1);
    expect(contacts.body[0].name).toBe('Maria Silva');
    expect(contacts.body[0].channels.whatsapp.last_inbound_at).not.toBeNull();
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

    const unknownNumber = JSON.stringify(inboundTextWebhook('999000111222', randomWaId(), `wamid.u${Date.now()}`, 'oi'));
    expect((await post(unknownNumber, signWebhook(unknownNumber, config.whatsapp.appSecret))).status).toBe(200);

    const operator = apiClient(api.url, config.adminToken);
    const invalid: Array<{ raw_body: string; error: string }> = (await operator('GET', '/v1/admin/webhooks?status=invalid&limit=200')).body;
    const byBody = (raw: string) => invalid.find((w) => w.raw_body === raw);
    expect(byBody(notJson)?.error).toMatch(/not JSON/);
    expect(byBody(wrongShape)?.error).toMatch(/entry/);
    expect(byBody(unknownNumber)?.error).toMatch(/999000111222 is not connected/);
    // A tenant sees only its own deliveries.
    expect((await tenant.call('GET', '/v1/webhooks?status=invalid')).body).toEqual([]);
  });
});
