import { Pool } from 'pg';
import { startAsaasSimulator, type RunningAsaasSimulator } from '../src/simulators/asaas/server';
import { startPagarmeSimulator, type RunningPagarmeSimulator } from '../src/simulators/pagarme/server';
import { startPipedriveSimulator, type RunningPipedriveSimulator } from '../src/simulators/pipedrive/server';
import { startWhatsAppSimulator, type RunningWhatsAppSimulator } from '../src/simulators/whatsapp/server';
import { createTenant, eventually, startApi, startWorker, temporalClient, testConfig, type RunningApi } from './support/stack';

/**
 * Lead capture end to end, through the API, the real Temporal server and the Pipedrive, Pagar.me,
 * Asaas and WhatsApp simulators: an intent becomes a contact, a person and a deal, and answers a
 * pre-filled payment link; the gateway's paid webhook (as the gateway sends it) wins the deal;
 * unpaid in time, the deal's owner gets a follow-up and the abandoned-checkout funnel starts,
 * which a later payment ends; a CRM outage parks the CRM work until resume-crm.
 */
describe('checkout intents', () => {
  let api: RunningApi;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let config: ReturnType<typeof testConfig>;
  let db: Pool;
  let wa: RunningWhatsAppSimulator;
  let pipedrive: RunningPipedriveSimulator;
  let pagarme: RunningPagarmeSimulator;
  let asaas: RunningAsaasSimulator;
  const PIPEDRIVE_TOKEN = 'recado-dev-pipedrive-token';

  beforeAll(async () => {
    [wa, pipedrive, pagarme, asaas] = await Promise.all([
      startWhatsAppSimulator({ webhookUrl: null, statusDelayMs: 50, pairRateLimit: false }),
      startPipedriveSimulator({ apiTokens: { [PIPEDRIVE_TOKEN]: 1 } }),
      startPagarmeSimulator(),
      startAsaasSimulator(),
    ]);
    config = testConfig({
      WHATSAPP_GRAPH_URL: wa.url,
      PIPEDRIVE_API_URL: pipedrive.url,
      PAGARME_API_URL: pagarme.url,
      ASAAS_API_URL: asaas.url,
      CHECKOUT_ABANDON_AFTER: '3s',
      CHECKOUT_CRM_RETRY_BUDGET: '3s',
      CHECKOUT_SWEEP_EVERY: '1s',
      FUNNEL_SWEEP_EVERY: '1s',
      // Every 429 goes back to the workflow, to be retried after the CRM's Retry-After.
      PIPEDRIVE_RATE_LIMIT_MAX_WAIT: '0ms',
    });
    api = await startApi(config);
    worker = await startWorker(config);
    db = new Pool({ connectionString: config.databaseUrl, max: 2 });
  });
  afterAll(async () => {
    // Every intent here was paid: each recovery ends once its deal is won.
    const temporal = await temporalClient(config);
    const { rows } = await db.query<{ id: string }>('SELECT id FROM checkout_intents');
    for (const { id } of rows) {
      await until(`the recovery of ${id} to end`, async () => (await temporal.workflow.getHandle(`checkout-${id}`).describe()).status.name !== 'RUNNING');
    }
    await temporal.connection.close();
    await db?.end();
    await worker?.stop();
    await api?.close();
    await Promise.all([wa?.close(), pipedrive?.close(), pagarme?.close(), asaas?.close()]);
  });

  type Tenant = Awaited<ReturnType<typeof createTenant>>;
  const until = <T>(what: string, check: () => Promise<T | undefined | false>) => eventually(async () => (await check()) || undefined, 30_000, what);

  async function tenantWithCrm(token = PIPEDRIVE_TOKEN): Promise<Tenant> {
    const tenant = await createTenant(api, config);
    expect((await tenant.call('PUT', '/v1/crm-connection', { provider: 'pipedrive', api_token: token })).status).toBe(200);
    return tenant;
  }

  async function pagarmeStore(tenant: Tenant) {
    const res = await tenant.call('POST', '/v1/stores', {
      platform: 'pagarme',
      name: 'Escola Foto',
      channel_account_id: tenant.numberId,
      secrets: { api_key: 'sk_test_simulator', basic_auth_user: 'recado', basic_auth_password: 'hook-pass' },
    });
    expect(res.status).toBe(201);
    return res.body as { id: string; webhook_url: string };
  }

  async function asaasStore(tenant: Tenant) {
    const res = await tenant.call('POST', '/v1/stores', {
      platform: 'asaas',
      name: 'Loja Asaas',
      channel_account_id: tenant.numberId,
      secrets: { api_key: '$aact_simulator', access_token: 'asaas-hook-token' },
    });
    expect(res.status).toBe(201);
    return res.body as { id: string; webhook_url: string };
  }

  const intentBody = (storeId: string, customer: Record<string, string>, extra: Record<string, unknown> = {}) => ({
    store_id: storeId,
    customer,
    product: { name: 'Curso de Fotografia', plan: 'Anual' },
    amount: { amount_minor: '19700', currency: 'BRL' },
    ...extra,
  });

  async function deliver(store: { webhook_url: string }, body: unknown, headers: Record<string, string>) {
    const res = await fetch(store.webhook_url.replace(config.api.publicUrl, api.url), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
  }
  const pagarmeAuth = { authorization: `Basic ${Buffer.from('recado:hook-pass').toString('base64')}` };

  const intentOf = async (tenant: Tenant, id: string) => (await tenant.call('GET', `/v1/checkout-intents/${id}`)).body as Record<string, any>;
  const dealOf = (id: string | null) => pipedrive.simulator.state().deals.find((d) => String(d.id) === id);

  it('captures the lead, answers the pre-filled link, and the gateway payment wins the deal', async () => {
    const tenant = await tenantWithCrm();
    const store = await pagarmeStore(tenant);
    const customer = { name: '  Maria   Souza ', email: 'Maria.Souza@Example.com', phone: '(21) 98765-4321' };

    const created = await tenant.call('POST', '/v1/checkout-intents', intentBody(store.id, customer));
    expect(created.status).toBe(201);
    const intent = created.body as Record<string, any>;
    expect(intent).toMatchObject({
      state: 'open',
      gateway: 'pagarme',
      customer: { name: 'Maria Souza', email: 'maria.souza@example.com', phone: '+5521987654321' },
      product: { name: 'Curso de Fotografia', plan: 'Anual' },
      amount: { amount_minor: '19700', currency: 'BRL' },
    });
    expect(intent.payment_url).toMatch(new RegExp(`^${pagarme.url}/pay/`));
    // The gateway's page is pre-filled with what the customer typed here.
    const page = await (await fetch(intent.payment_url)).text();
    expect(page).toContain('value="Maria Souza"');
    expect(page).toContain('value="maria.souza@example.com"');
    // The contact exists with the three identities.
    const contact = await tenant.call('GET', `/v1/contacts/${intent.contact_id}`);
    expect(contact.status).toBe(200);

    // The same customer submitting again: the same intent and link, no second deal.
    const again = await tenant.call('POST', '/v1/checkout-intents', intentBody(store.id, { ...customer, phone: '+55 21 98765-4321' }));
    expect(again.status).toBe(200);
    expect((again.body as { id: string; payment_url: string })).toMatchObject({ id: intent.id, payment_url: intent.payment_url });

    const synced = await until('the person and the deal in the CRM', async () => {
      const i = await intentOf(tenant, intent.id);
      return i.crm.state === 'synced' && i;
    });
    const deal = dealOf(synced.crm.deal_id);
    expect(deal).toMatchObject({ title: 'Curso de Fotografia — Anual — Maria Souza', value: 197, currency: 'BRL', status: 'open' });
    const person = pipedrive.simulator.state().persons.find((p) => String(p.id) === synced.crm.person_id);
    expect(person?.name).toBe('Maria Souza');
    expect(pipedrive.simulator.state().notes.some((n) => String(n.deal_id) === synced.crm.deal_id && String(n.content).includes(intent.payment_url))).toBe(true);

    // The customer pays: the gateway's order.paid webhook, delivered twice as gateways do.
    const paidHook = pagarme.simulator.pay(intent.gateway_reference);
    await deliver(store, paidHook, pagarmeAuth);
    await deliver(store, paidHook, pagarmeAuth);
    const won = await until('the deal won', async () => {
      const i = await intentOf(tenant, intent.id);
      return i.crm.won_at && i;
    });
    expect(won.state).toBe('paid');
    expect(dealOf(won.crm.deal_id)?.status).toBe('won');
    expect(pipedrive.simulator.state().deals.filter((d) => d.person_id === Number(synced.crm.person_id))).toHaveLength(1);
    expect(won.crm.follow_up_activity_id).toBeNull();
  });

  it('refuses bad input naming every field, and a store that makes no links', async () => {
    const tenant = await tenantWithCrm();
    const store = await pagarmeStore(tenant);
    const bad = await tenant.call('POST', '/v1/checkout-intents', intentBody(store.id, { name: ' ', email: 'maria@', phone: '123' }));
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ field: 'customer.name' });
    expect(String((bad.body as { message: string }).message)).toMatch(/email/);
    expect(String((bad.body as { message: string }).message)).toMatch(/phone/);

    const generic = await tenant.call('POST', '/v1/stores', { platform: 'generic', name: 'Sem gateway', channel_account_id: tenant.numberId, secrets: { signing_secret: 'x' } });
    const noLinks = await tenant.call('POST', '/v1/checkout-intents', intentBody((generic.body as { id: string }).id, { name: 'Ana', email: 'ana@example.com', phone: '11987650001' }));
    expect(noLinks.status).toBe(422);
    expect(noLinks.body).toMatchObject({ field: 'store_id' });

    const amount = await tenant.call('POST', '/v1/checkout-intents', intentBody(store.id, { name: 'Ana', email: 'ana@example.com', phone: '11987650001' }, { amount: { amount_minor: '19.70', currency: 'BRL' } }));
    expect(amount.status).toBe(400);
    expect(JSON.stringify(amount.body)).toMatch(/amount_minor/);
  });

  it('unpaid in time: a follow-up for the deal owner and the abandoned-checkout funnel; a later payment closes both', async () => {
    const tenant = await tenantWithCrm();
    const store = await asaasStore(tenant);
    const created = await tenant.call('POST', '/v1/checkout-intents', intentBody(store.id, { name: 'João Lima', email: 'joao@example.com', phone: '11 98888-7777' }));
    expect(created.status).toBe(201);
    const intent = created.body as Record<string, any>;
    expect(intent.payment_url).toMatch(new RegExp(`^${asaas.url}/i/`));

    // The deal belongs to a salesperson, not to the API token's user.
    const withDeal = await until('the deal', async () => {
      const i = await intentOf(tenant, intent.id);
      return i.crm.deal_id && i;
    });
    const seller = pipedrive.simulator.addUser({ name: 'Vendedora', email: 'vendas@example.com' }) as { id: number };
    const patched = await fetch(`${pipedrive.url}/api/v2/deals/${withDeal.crm.deal_id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', 'x-api-token': PIPEDRIVE_TOKEN },
      body: JSON.stringify({ owner_id: seller.id }),
    });
    expect(patched.status).toBe(200);

    const abandoned = await until('the follow-up activity', async () => {
      const i = await intentOf(tenant, intent.id);
      return i.state === 'abandoned' && i.crm.follow_up_activity_id && i;
    });
    const activity = pipedrive.simulator.state().activities.find((a) => String(a.id) === abandoned.crm.follow_up_activity_id);
    expect(activity).toMatchObject({ owner_id: seller.id, deal_id: Number(abandoned.crm.deal_id) });
    expect(String(activity?.subject)).toContain('João Lima');
    expect(abandoned.funnel_id).toBe(`funnel-${store.id}-cart_abandoned-${intent.id}`);
    const funnel = await until('the abandoned-checkout funnel runs', async () => {
      const { rows } = await db.query(`SELECT state, event FROM funnels WHERE id = $1`, [abandoned.funnel_id]);
      return rows[0];
    });
    expect(funnel.event.artefacts.checkoutUrl).toBe(intent.payment_url);

    // Paid later: Asaas's PAYMENT_RECEIVED.
    await deliver(store, asaas.simulator.pay(intent.gateway_reference), { 'asaas-access-token': 'asaas-hook-token' });
    const paid = await until('paid and won', async () => {
      const i = await intentOf(tenant, intent.id);
      return i.state === 'paid' && i.crm.won_at && i;
    });
    expect(dealOf(paid.crm.deal_id)?.status).toBe('won');
    const { rows } = await db.query(`SELECT state FROM funnels WHERE id = $1`, [abandoned.funnel_id]);
    expect(rows[0].state).toBe('stopped');
    const pending = await db.query(`SELECT count(*)::int AS n FROM notifications WHERE funnel_id = $1 AND state = 'queued'`, [abandoned.funnel_id]);
    expect(pending.rows[0].n).toBe(0);
  });

  it('a CRM outage past the retry budget parks the CRM work visibly; resume-crm replays it', async () => {
    const tenant = await tenantWithCrm();
    const store = await pagarmeStore(tenant);
    pipedrive.simulator.addFault({ status: 503, path: '/persons', count: 1000 });
    try {
      const created = await tenant.call('POST', '/v1/checkout-intents', intentBody(store.id, { name: 'Bia Rocha', email: 'bia@example.com', phone: '+5531988887777' }));
      // The customer is not held up by the CRM: the link comes at once.
      expect(created.status).toBe(201);
      const intent = created.body as Record<string, any>;
      const parked = await until('the CRM work parked', async () => {
        const i = await intentOf(tenant, intent.id);
        return i.crm.state === 'parked' && i;
      });
      expect(parked.crm.error).toMatch(/503|Pipedrive/);
      const listed = await tenant.call('GET', '/v1/checkout-intents?crm_state=parked');
      expect((listed.body as Array<{ id: string }>).map((i) => i.id)).toContain(intent.id);
      // Paid while parked: the payment is recorded; the deal waits for the CRM.
      await deliver(store, pagarme.simulator.pay(intent.gateway_reference), pagarmeAuth);
      await until('paid', async () => (await intentOf(tenant, intent.id)).state === 'paid');

      pipedrive.simulator.clearFaults();
      const resumed = await tenant.call('POST', '/v1/checkout-intents/resume-crm');
      expect(resumed.status).toBe(200);
      expect((resumed.body as { resumed: string[] }).resumed).toContain(intent.id);
      const done = await until('the deal created and won after the resume', async () => {
        const i = await intentOf(tenant, intent.id);
        return i.crm.state === 'synced' && i;
      });
      expect(dealOf(done.crm.deal_id)?.status).toBe('won');
    } finally {
      pipedrive.simulator.clearFaults();
    }
  });

  it('a token the CRM refuses parks at once, naming the cause', async () => {
    const tenant = await tenantWithCrm('not-a-valid-pipedrive-token');
    const store = await pagarmeStore(tenant);
    const created = await tenant.call('POST', '/v1/checkout-intents', intentBody(store.id, { name: 'Caio', email: 'caio@example.com', phone: '+5541988887777' }));
    const parked = await until('parked', async () => {
      const i = await intentOf(tenant, (created.body as { id: string }).id);
      return i.crm.state === 'parked' && i;
    });
    expect(parked.crm.error).toMatch(/CrmUnauthorizedError/);
    // Paid: the recovery ends for the payment; the deal waits for a new token and resume-crm.
    await deliver(store, pagarme.simulator.pay(parked.gateway_reference), pagarmeAuth);
    await until('paid', async () => (await intentOf(tenant, parked.id)).state === 'paid');
    expect((await tenant.call('PUT', '/v1/crm-connection', { provider: 'pipedrive', api_token: PIPEDRIVE_TOKEN })).status).toBe(200);
    expect((await tenant.call('POST', `/v1/checkout-intents/${parked.id}/resume-crm`)).status).toBe(200);
    const won = await until('won', async () => {
      const i = await intentOf(tenant, parked.id);
      return i.crm.won_at && i;
    });
    expect(dealOf(won.crm.deal_id)?.status).toBe('won');
  });

  it("a payment while the worker is down is not lost: the deal is won when it is back", async () => {
    const tenant = await tenantWithCrm();
    const store = await pagarmeStore(tenant);
    const created = await tenant.call('POST', '/v1/checkout-intents', intentBody(store.id, { name: 'Davi Melo', email: 'davi@example.com', phone: '+5551988887777' }));
    const intent = created.body as Record<string, any>;
    await until('the deal', async () => (await intentOf(tenant, intent.id)).crm.deal_id);

    await worker.stop();
    try {
      await deliver(store, pagarme.simulator.pay(intent.gateway_reference), pagarmeAuth);
      // Recorded by the API at once; the CRM waits for the worker.
      await until('paid', async () => (await intentOf(tenant, intent.id)).state === 'paid');
      expect((await intentOf(tenant, intent.id)).crm.won_at).toBeNull();
    } finally {
      worker = await startWorker(config);
    }
    const won = await until('won after the restart', async () => {
      const i = await intentOf(tenant, intent.id);
      return i.crm.won_at && i;
    });
    expect(dealOf(won.crm.deal_id)?.status).toBe('won');
  });

  it("Pipedrive's 429 is retried after its Retry-After, not parked", async () => {
    const tenant = await tenantWithCrm();
    const store = await pagarmeStore(tenant);
    pipedrive.simulator.addFault({ status: 429, method: 'POST', path: '/api/v2/deals', count: 1, retryAfterSeconds: 1 });
    const created = await tenant.call('POST', '/v1/checkout-intents', intentBody(store.id, { name: 'Eva Dias', email: 'eva@example.com', phone: '+5561988887777' }));
    const synced = await until('the deal after the rate limit', async () => {
      const i = await intentOf(tenant, (created.body as { id: string }).id);
      return i.crm.state === 'synced' && i;
    });
    expect(dealOf(synced.crm.deal_id)?.title).toContain('Eva Dias');
    const dealPosts = pipedrive.simulator.requests().filter((r) => r.method === 'POST' && r.path === '/api/v2/deals' && JSON.stringify(r.body).includes('Eva Dias'));
    expect(dealPosts).toHaveLength(2);
    expect(dealPosts[0].status).toBe(429);
    expect(dealPosts[1].status).toBeLessThan(300);
    // Paid, so its recovery (and the abandoned-checkout funnel it may have started) ends.
    await deliver(store, pagarme.simulator.pay(synced.gateway_reference), pagarmeAuth);
    await until('won', async () => (await intentOf(tenant, synced.id)).crm.won_at);
  });
});
