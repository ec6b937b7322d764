import type { Browser } from 'playwright-core';
import { startPagarmeSimulator, type RunningPagarmeSimulator } from '../src/simulators/pagarme/server';
import { startPipedriveSimulator, type RunningPipedriveSimulator } from '../src/simulators/pipedrive/server';
import { startWhatsAppSimulator, type RunningWhatsAppSimulator } from '../src/simulators/whatsapp/server';
import { axeViolations, launchChromium } from './helpers/browser';
import { createTenant, eventually, startApi, startWorker, temporalClient, testConfig, type RunningApi } from './support/stack';

/**
 * The hosted checkout form in a real headless Chromium (Debian's, through playwright-core), against
 * the API, the real Temporal server and the Pagar.me, Pipedrive and WhatsApp simulators: a customer
 * fills the form in (first with mistakes), lands on the gateway's page pre-filled, pays there; the
 * gateway's own webhook reaches recado, and the deal in the CRM is won.
 */
describe('hosted checkout form in a browser', () => {
  let api: RunningApi;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let config: ReturnType<typeof testConfig>;
  let wa: RunningWhatsAppSimulator;
  let pipedrive: RunningPipedriveSimulator;
  let pagarme: RunningPagarmeSimulator;
  let browser: Browser;
  const TOKEN = 'recado-dev-pipedrive-token';
  const intents: string[] = [];
  /** Left unpaid: their recoveries would wait an hour; ended when the tests are. */
  const unpaid: string[] = [];

  beforeAll(async () => {
    [wa, pipedrive, pagarme, browser] = await Promise.all([
      startWhatsAppSimulator({ webhookUrl: null, statusDelayMs: 50, pairRateLimit: false }),
      startPipedriveSimulator({ apiTokens: { [TOKEN]: 1 } }),
      startPagarmeSimulator(),
      launchChromium(),
    ]);
    config = testConfig({ WHATSAPP_GRAPH_URL: wa.url, PIPEDRIVE_API_URL: pipedrive.url, PAGARME_API_URL: pagarme.url, CHECKOUT_SWEEP_EVERY: '1s' });
    api = await startApi(config);
    worker = await startWorker(config);
  });
  afterAll(async () => {
    const temporal = await temporalClient(config);
    for (const id of intents) {
      await eventually(async () => ((await temporal.workflow.getHandle(`checkout-${id}`).describe()).status.name !== 'RUNNING') || undefined, 30_000, `the recovery of ${id} to end`);
    }
    for (const id of unpaid) await temporal.workflow.getHandle(`checkout-${id}`).terminate('test finished');
    await temporal.connection.close();
    await browser?.close();
    await worker?.stop();
    await api?.close();
    await Promise.all([wa?.close(), pipedrive?.close(), pagarme?.close()]);
  });

  it('a customer fills the form, is sent to the pre-filled payment page, pays, and the deal is won', async () => {
    const tenant = await createTenant(api, config);
    expect((await tenant.call('PUT', '/v1/crm-connection', { provider: 'pipedrive', api_token: TOKEN })).status).toBe(200);
    const store = await tenant.call('POST', '/v1/stores', {
      platform: 'pagarme',
      name: 'Escola de Fotografia',
      channel_account_id: tenant.numberId,
      secrets: { api_key: 'sk_test_simulator', basic_auth_user: 'recado', basic_auth_password: 'hook-pass' },
    });
    expect(store.status).toBe(201);
    const { id: storeId, webhook_url } = store.body as { id: string; webhook_url: string };
    // The store's webhook set in the gateway's dashboard, with its basic credentials.
    const hook = await fetch(`${pagarme.url}/_sim/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: webhook_url.replace(config.api.publicUrl, api.url), basic_auth_user: 'recado', basic_auth_password: 'hook-pass' }),
    });
    expect(hook.ok).toBe(true);
    const form = await tenant.call('POST', '/v1/checkout-forms', { store_id: storeId, product: { name: 'Curso de Fotografia', plan: 'Anual' }, amount: { amount_minor: '19700', currency: 'BRL' } });
    expect(form.status).toBe(201);
    const formUrl = (form.body as { url: string }).url.replace(config.api.publicUrl, api.url);

    // bypassCSP: the page allows no script at all; axe is the test's own.
    const context = await browser.newContext({ locale: 'pt-BR', bypassCSP: true });
    const page = await context.newPage();
    const shown = await page.goto(formUrl);
    expect(shown?.status()).toBe(200);
    expect(await page.locator('html').getAttribute('lang')).toBe('pt-BR');
    expect(await page.textContent('body')).toMatch(/R\$\s197,00/);
    expect(await axeViolations(page)).toEqual([]);

    // Mistakes first: every field is named, what was typed is kept.
    await page.getByLabel(/nome/i).fill('Maria Souza');
    await page.getByLabel(/e-mail/i).fill('maria@');
    await page.getByLabel(/telefone|celular|whatsapp/i).fill('123');
    const refused = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: /continuar/i }).click()]);
    expect(refused[0]?.status()).toBe(422);
    expect(await page.title()).toMatch(/^Erro/);
    const summary = page.getByRole('alert');
    expect(await summary.getByRole('link').count()).toBe(2);
    expect(await page.getByLabel(/nome/i).inputValue()).toBe('Maria Souza');
    expect(await page.getByLabel(/e-mail/i).getAttribute('aria-invalid')).toBe('true');
    expect(await axeViolations(page)).toEqual([]);

    // Right this time: straight to the gateway's page, pre-filled.
    await page.getByLabel(/e-mail/i).fill('Maria.Souza@example.com');
    await page.getByLabel(/telefone|celular|whatsapp/i).fill('(21) 98765-4321');
    await Promise.all([page.waitForURL(`${pagarme.url}/pay/**`), page.getByRole('button', { name: /continuar/i }).click()]);
    expect(await page.locator('#name').inputValue()).toBe('Maria Souza');
    expect(await page.locator('#email').inputValue()).toBe('maria.souza@example.com');
    expect(await page.locator('#amount').textContent()).toContain('197,00');

    const [intent] = (await tenant.call('GET', `/v1/checkout-intents?store_id=${storeId}`)).body as Array<{ id: string; form_id: string; crm: { deal_id: string | null } }>;
    intents.push(intent.id);
    expect(intent.form_id).toBe((form.body as { id: string }).id);
    const dealId = await eventually(async () => {
      const i = (await tenant.call('GET', `/v1/checkout-intents/${intent.id}`)).body as { crm: { deal_id: string | null } };
      return i.crm.deal_id ?? undefined;
    }, 30_000, 'the deal in the CRM');
    const deal = pipedrive.simulator.state().deals.find((d) => String(d.id) === dealId);
    expect(deal).toMatchObject({ title: 'Curso de Fotografia — Anual — Maria Souza', value: 197, status: 'open' });

    // The customer pays on the gateway's page; the gateway posts order.paid to the store's webhook.
    await page.getByRole('button', { name: 'Pagar' }).click();
    await page.getByText('Pagamento aprovado').first().waitFor();
    await eventually(async () => (pipedrive.simulator.state().deals.find((d) => String(d.id) === dealId)?.status === 'won') || undefined, 30_000, 'the deal won');
    const paid = (await tenant.call('GET', `/v1/checkout-intents/${intent.id}`)).body as { state: string; crm: { won_at: string | null } };
    expect(paid.state).toBe('paid');
    expect(paid.crm.won_at).not.toBeNull();
    await context.close();
  });

  it('works with JavaScript off and in English', async () => {
    const tenant = await createTenant(api, config);
    const store = await tenant.call('POST', '/v1/stores', { platform: 'pagarme', name: 'Photo School', channel_account_id: tenant.numberId, secrets: { api_key: 'sk_test_simulator', basic_auth_user: 'u', basic_auth_password: 'p' } });
    const form = await tenant.call('POST', '/v1/checkout-forms', { store_id: (store.body as { id: string }).id, product: { name: 'Photography course' }, amount: { amount_minor: '5000', currency: 'BRL' } });
    const formUrl = (form.body as { url: string }).url.replace(config.api.publicUrl, api.url);

    const context = await browser.newContext({ javaScriptEnabled: false, locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(formUrl, { waitUntil: 'load' });
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.getByLabel(/name/i).first().fill('John Smith');
    await page.getByLabel(/e-mail|email/i).fill('john@example.com');
    await page.getByLabel(/phone|mobile|whatsapp/i).fill('+55 11 98888-1234');
    await Promise.all([page.waitForURL(`${pagarme.url}/pay/**`), page.getByRole('button', { name: /continue/i }).click()]);
    expect(await page.locator('#name').inputValue()).toBe('John Smith');
    const [intent] = (await tenant.call('GET', '/v1/checkout-intents')).body as Array<{ id: string; customer: { phone: string } }>;
    unpaid.push(intent.id);
    expect(intent.customer.phone).toBe('+5511988881234');
    await context.close();
  });

  it('an unknown form is a plain 404 page', async () => {
    const page = await browser.newPage();
    const res = await page.goto(`${api.url}/checkout/00000000-0000-4000-8000-000000000000?lang=en`);
    expect(res?.status()).toBe(404);
    expect(await page.title()).toBe('Page not found');
    await page.close();
  });
});
