import { createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pushSignature } from '../src/channels/app/push-signature';
import { createTenant, eventually, startApi, testConfig, type RunningApi } from './support/stack';

const fixture = (platform: string, file: string) => fs.readFileSync(path.resolve(__dirname, 'fixtures/stores', platform, file), 'utf8');

/**
 * Stores and their webhooks through the API: connecting a store, each platform's own
 * authentication (401 and nothing stored when it fails), published payloads read into canonical
 * events with their customer as a contact, repeats listed as duplicates, unknown event types as
 * unmapped, unreadable bodies as invalid, oversize bodies refused.
 */
describe('stores and their webhooks', () => {
  let api: RunningApi;
  let config: ReturnType<typeof testConfig>;

  beforeAll(async () => {
    config = testConfig();
    api = await startApi(config);
  });
  afterAll(async () => {
    await api.close();
  });

  type Tenant = Awaited<ReturnType<typeof createTenant>>;

  async function connect(tenant: Tenant, platform: string, secrets: Record<string, string>) {
    const created = await tenant.call('POST', '/v1/stores', { platform, name: `Loja ${platform}`, channel_account_id: tenant.numberId, secrets });
    expect(created.status).toBe(201);
    return created.body as { id: string; webhook_url: string; secret_names: string[] };
  }

  const post = (url: string, body: string | Buffer, headers: Record<string, string>) =>
    fetch(url.replace(config.api.publicUrl, api.url), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  const events = async (tenant: Tenant, storeId: string, status?: string) =>
    (await tenant.call('GET', `/v1/stores/${storeId}/events${status ? `?status=${status}` : ''}`)).body as Array<Record<string, any>>;

  /** Deliveries are processed after the 200: the store's events once `count` of them have the status. */
  const eventsOnce = (tenant: Tenant, storeId: string, status: string, count = 1) =>
    eventually(async () => {
      const found = await events(tenant, storeId, status);
      return found.length >= count ? found : undefined;
    }, 20_000, `${count} ${status} event(s)`);

  const deliveries = async (tenant: Tenant) => ((await tenant.call('GET', '/v1/webhooks?limit=100')).body as Array<{ provider: string }>).filter((w) => w.provider === 'store').length;

  it('connects a store with its own webhook URL and names bad fields', async () => {
    const tenant = await createTenant(api, config);
    const store = await connect(tenant, 'shopify', { webhook_secret: 'shpss_loja' });
    expect(store.webhook_url).toMatch(new RegExp(`^${config.api.publicUrl}/v1/hooks/stores/[A-Za-z0-9_-]{43}$`));
    expect(store.secret_names).toEqual(['webhook_secret']);
    expect(JSON.stringify(store)).not.toContain('shpss_loja');
    expect((await tenant.call('GET', `/v1/stores/${store.id}`)).body).toEqual(store);

    const wrongInstance = await tenant.call('POST', '/v1/stores', { platform: 'shopify', name: 'x', channel_account_id: '00000000-0000-4000-8000-000000000000' });
    expect(wrongInstance.status).toBe(422);
    expect(JSON.stringify(wrongInstance.body)).toContain('channel_account_id');
    const wrongPlatform = await tenant.call('POST', '/v1/stores', { platform: 'magento', name: 'x', channel_account_id: tenant.numberId });
    expect(wrongPlatform.status).toBe(400);
    expect(JSON.stringify(wrongPlatform.body)).toContain('platform');
  });

  it("Shopify: the HMAC of the raw body decides; the published order becomes order_paid for a contact, a repeat is a duplicate", async () => {
    const tenant = await createTenant(api, config);
    const secret = 'shpss_farmacia';
    const store = await connect(tenant, 'shopify', { webhook_secret: secret });
    const order = JSON.parse(fixture('shopify', 'sdk-order.json')).order;
    const body = JSON.stringify({ ...order, financial_status: 'paid', phone: '+55 11 98765-4321' });
    const hmac = createHmac('sha256', secret).update(body).digest('base64');
    const headers = { 'x-shopify-topic': 'orders/paid', 'x-shopify-webhook-id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043', 'x-shopify-hmac-sha256': hmac };

    const before = await deliveries(tenant);
    for (const bad of [undefined, createHmac('sha256', 'another-secret').update(body).digest('base64')]) {
      const res = await post(store.webhook_url, body, { ...headers, 'x-shopify-hmac-sha256': bad ?? '' });
      expect(res.status).toBe(401);
    }
    expect(await deliveries(tenant)).toBe(before);

    expect((await post(store.webhook_url, body, headers)).status).toBe(200);
    expect((await post(store.webhook_url, body, headers)).status).toBe(200);

    const [mapped] = await eventsOnce(tenant, store.id, 'mapped');
    expect(mapped).toMatchObject({
      status: 'mapped',
      platform_event_type: 'orders/paid',
      canonical_type: 'order_paid',
      order_id: '450789469',
      amount: { amount_minor: expect.stringMatching(/^[0-9]+$/), currency: 'USD' },
      customer: expect.objectContaining({ phone: '+5511987654321', email: 'bob.norman@hostmail.com' }),
    });
    const contact = (await tenant.call('GET', `/v1/contacts/${mapped.contact_id}`)).body;
    expect(contact.identities).toEqual(
      expect.arrayContaining([
        { type: 'phone', value: '+5511987654321' },
        { type: 'whatsapp', value: '5511987654321' },
        { type: 'email', value: 'bob.norman@hostmail.com' },
      ]),
    );
    expect(await eventsOnce(tenant, store.id, 'duplicate')).toHaveLength(1);
    expect(await events(tenant, store.id, 'mapped')).toHaveLength(1);
  });

  it('Hotmart: the hottok decides; an event type recado has no canonical event for is kept as unmapped and counted', async () => {
    const tenant = await createTenant(api, config);
    const store = await connect(tenant, 'hotmart', { hottok: 'hottok-da-loja' });
    const body = fixture('hotmart', 'test-purchase-chargeback.json');
    expect((await post(store.webhook_url, body, { 'x-hotmart-hottok': 'outro' })).status).toBe(401);
    expect((await post(store.webhook_url, body, { 'x-hotmart-hottok': 'hottok-da-loja' })).status).toBe(200);
    const [unmapped] = await eventsOnce(tenant, store.id, 'unmapped');
    expect(unmapped).toMatchObject({ status: 'unmapped', platform_event_type: 'PURCHASE_CHARGEBACK', reason: expect.any(String) });
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`recado_store_events_unmapped_total\\{store="${store.id}",type="PURCHASE_CHARGEBACK"\\} 1`));

    const billet = fixture('hotmart', 'n8n-purchase-billet-printed-billet.json');
    expect((await post(store.webhook_url, billet, { 'x-hotmart-hottok': 'hottok-da-loja' })).status).toBe(200);
    expect((await eventsOnce(tenant, store.id, 'mapped')).map((e) => e.canonical_type)).toEqual(['boleto_printed']);
  });

  it('generic: ids beyond 2^53 stay exact; an unreadable body is kept as invalid with the reason; oversize is 413; an unknown URL is 404', async () => {
    const tenant = await createTenant(api, config);
    const secret = 'generic-signing-secret-0001';
    const store = await connect(tenant, 'generic', { signing_secret: secret });
    const body = fixture('generic', 'boleto-issued.json');
    expect((await post(store.webhook_url, body, { 'x-recado-signature': pushSignature(secret, body) })).status).toBe(200);
    const [boleto] = await eventsOnce(tenant, store.id, 'mapped');
    expect(boleto).toMatchObject({ canonical_type: 'boleto_issued', order_id: '98765432109876543210', amount: { amount_minor: '19990', currency: 'BRL' } });

    const broken = '{"event": "boleto_issued", ';
    expect((await post(store.webhook_url, broken, { 'x-recado-signature': pushSignature(secret, broken) })).status).toBe(200);
    const [invalid] = await eventsOnce(tenant, store.id, 'invalid');
    expect(invalid).toMatchObject({ status: 'invalid', reason: expect.stringMatching(/JSON/i) });

    const huge = JSON.stringify({ event: 'custom', padding: 'x'.repeat(2 * 1024 * 1024) });
    expect((await post(store.webhook_url, huge, { 'x-recado-signature': pushSignature(secret, huge) })).status).toBe(413);
    expect((await post(`${api.url}/v1/hooks/stores/not-a-store-token`, body, {})).status).toBe(404);
  });
});
