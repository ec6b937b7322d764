import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Pool } from 'pg';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Client as TypesenseClient } from 'typesense';
import { createTypesenseClient } from '../src/contacts/index/contacts-collection';
import { startWhatsAppSimulator, type RunningWhatsAppSimulator } from '../src/simulators/whatsapp/server';
import { axeViolations, launchChromium } from './helpers/browser';
import { dropTestCollections, indexerFor } from './support/contact-index';
import { createTenant, startApi, testConfig, type RunningApi } from './support/stack';

const SCREENSHOTS = path.join(__dirname, '..', 'docs', 'screenshots');

/**
 * The agents' console (built into dist/console by `npm run build`) in headless Chromium against
 * the API: an agent signs in with their token, searches a contact made through the API, blocks
 * them from calling, edits call hours and meets the API's own validation message; axe finds no
 * serious or critical violation on any view, and the token never appears in a request's URL.
 */
describe('the agents console in a browser', () => {
  let config: ReturnType<typeof testConfig>;
  let api: RunningApi;
  let wa: RunningWhatsAppSimulator;
  let browser: Browser;
  let context: BrowserContext;
  let pool: Pool;
  let typesense: TypesenseClient;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  let token: string;
  let contactId: string;

  beforeAll(async () => {
    [wa, browser] = await Promise.all([startWhatsAppSimulator({ webhookUrl: null, statusDelayMs: 20 }), launchChromium()]);
    config = testConfig({ WHATSAPP_GRAPH_URL: wa.url });
    api = await startApi(config);
    pool = new Pool({ connectionString: config.databaseUrl, max: 2 });
    typesense = createTypesenseClient(config.typesense);
    // axe is injected as a script, which the console's policy forbids: these pages bypass it (the last test keeps it).
    context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'pt-BR', bypassCSP: true });
    mkdirSync(SCREENSHOTS, { recursive: true });

    tenant = await createTenant(api, config);
    const agent = await tenant.call('POST', '/v1/agents', { name: 'Ana Souza', email: `ana.${Date.now()}@example.com`, role: 'admin' });
    expect(agent.status).toBe(201);
    token = agent.body.api_key.key;
    const contact = await tenant.call('POST', '/v1/contacts', {
      name: 'Marina Console',
      status: 'lead',
      tags: ['vip'],
      identities: [{ type: 'phone', value: `+55 11 9${String(Date.now()).slice(-8)}` }],
    });
    expect(contact.status).toBe(201);
    contactId = contact.body.id;
    // A second contact: the list before the search shows two, the search for Marina one.
    expect((await tenant.call('POST', '/v1/contacts', { name: 'Otávio Outro', identities: [{ type: 'email', value: `otavio.${Date.now()}@example.com` }] })).status).toBe(201);
    // The index follows Postgres through the outbox; drained here instead of by a worker.
    expect(await indexerFor(config, pool, typesense).drain('console-test', 30_000)).toMatchObject({ failed: 0, empty: true });
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    if (typesense) await dropTestCollections(typesense, config.typesense.collection);
    await pool?.end();
    await api?.close();
    await wa?.close();
  });

  /** Serious and critical accessibility problems of the view on screen, with where they are. */
  async function seriousViolations(page: Page) {
    return (await axeViolations(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
  }

  it('serves the API contract the console was typed from', async () => {
    const served = await (await fetch(`${api.url}/docs/openapi.json`)).json();
    const dumped = JSON.parse(readFileSync(path.join(__dirname, '..', 'dist', 'openapi.json'), 'utf8'));
    expect(dumped).toEqual(served);
  });

  it('lets an agent sign in, find a contact, block their calls and edit call hours — in Portuguese and English', async () => {
    const page = await context.newPage();
    const requestUrls: string[] = [];
    page.on('request', (request) => requestUrls.push(request.url()));

    // A deep link answers the console; not signed in yet, it asks for the token.
    await page.goto(`${api.url}/console/contacts`);
    expect(await page.getAttribute('html', 'lang')).toBe('pt-BR');
    await page.getByLabel('Token de agente').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'console-sign-in.png') });

    await page.getByLabel('Token de agente').fill('rk_not-a-token');
    await page.getByRole('button', { name: 'Entrar' }).click();
    await page.getByRole('alert').getByText('Token inválido ou revogado.').waitFor();

    await page.getByLabel('Token de agente').fill(token);
    await page.getByRole('button', { name: 'Entrar' }).click();
    await page.getByRole('navigation', { name: 'Seções' }).waitFor();
    // The live stream is open (read with fetch and the header): the agent is online.
    await page.getByRole('status').getByText('Ao vivo').waitFor();

    // Contacts: search by name, find the contact made through the API.
    await page.getByRole('heading', { name: 'Contatos', level: 1 }).waitFor();
    await page.getByText('Encontrados: 2').waitFor();
    await page.getByLabel('Buscar contatos').fill('Marina');
    await page.getByRole('button', { name: 'Buscar' }).click();
    await page.getByText('Encontrados: 1').waitFor();
    expect(await page.getByRole('link', { name: 'Marina Console' }).count()).toBe(1);
    expect(await page.getByRole('link', { name: 'Otávio Outro' }).count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'console-contacts.png'), fullPage: true });

    // The contact: details, and blocking their calls.
    await page.getByRole('link', { name: 'Marina Console' }).click();
    await page.getByRole('heading', { name: 'Marina Console', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Bloquear chamadas', exact: true }).click();
    await page.getByRole('button', { name: 'Desbloquear chamadas' }).waitFor();
    const block = await tenant.call('GET', `/v1/contacts/${contactId}/call-block`);
    expect(block.body.blocked).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'console-contact.png'), fullPage: true });

    // Settings: a range that closes before it opens is refused with the API's own message.
    await page.getByRole('link', { name: 'Configurações' }).click();
    await page.getByRole('button', { name: 'Adicionar horário' }).waitFor();
    await page.getByLabel('Limitar chamadas ao horário de atendimento').check();
    await page.getByRole('button', { name: 'Adicionar horário' }).click();
    await page.getByLabel('Abre (HHMM)').fill('1800');
    await page.getByLabel('Fecha (HHMM)').fill('0900');
    await page.getByRole('button', { name: 'Salvar' }).click();
    const shown = await page.getByRole('alert').textContent();
    const direct = await tenant.call('PUT', `/v1/whatsapp-numbers/${tenant.numberId}/call-settings`, {
      status: 'ENABLED',
      call_icon_visibility: 'DEFAULT',
      callback_permission_status: 'DISABLED',
      call_hours: {
        status: 'ENABLED',
        timezone_id: 'America/Sao_Paulo',
        weekly_operating_hours: [{ day_of_week: 'MONDAY', open_time: '1800', close_time: '0900' }],
        holiday_schedule: [],
      },
    });
    expect(direct.status).toBe(422);
    expect(shown).toContain(direct.body.message);
    expect(shown).toContain(`Campo: ${direct.body.field}`);
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'console-settings.png'), fullPage: true });

    // Fixed, it is saved and pushed to Meta (the simulator).
    await page.getByLabel('Fecha (HHMM)').fill('2000');
    await page.getByRole('button', { name: 'Salvar' }).click();
    await page.getByText('Salvo e aceito pela Meta.').waitFor();
    const saved = await tenant.call('GET', `/v1/whatsapp-numbers/${tenant.numberId}/call-settings`);
    expect(saved.body.settings.call_hours.weekly_operating_hours).toEqual([{ day_of_week: 'MONDAY', open_time: '1800', close_time: '2000' }]);

    // English: the whole console and <html lang> follow.
    await page.getByLabel('Idioma').selectOption('en');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await page.getByRole('heading', { name: 'Call settings', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Contacts' }).click();
    await page.getByRole('heading', { name: 'Contacts', level: 1 }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Agent token').waitFor();
    expect(await page.evaluate('Object.keys(sessionStorage)')).toEqual([]);

    expect(requestUrls.filter((url) => url.includes(token) || url.includes('access_token'))).toEqual([]);
    expect(requestUrls.some((url) => url.endsWith('/v1/events'))).toBe(true);
  });

  it('runs whole under its Content-Security-Policy, and signs in by keyboard', async () => {
    const strict = await browser.newContext({ locale: 'pt-BR' });
    const page = await strict.newPage();
    const refused: string[] = [];
    // A script, style or request the policy blocks is reported on the console.
    page.on('console', (message) => /Content Security Policy|Refused to/i.test(message.text()) && refused.push(message.text()));
    const response = await page.goto(`${api.url}/console/settings`);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    // By keyboard alone: the skip link first, the language, then the token; Enter signs in.
    await page.getByLabel('Token de agente').waitFor();
    const focused = () => page.evaluate('document.activeElement?.id || document.activeElement?.textContent');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Pular para o conteúdo');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('token');
    await page.keyboard.type(token);
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Adicionar horário' }).waitFor();
    await page.getByRole('status').getByText('Ao vivo').waitFor();
    await page.getByRole('link', { name: 'Contatos' }).click();
    await page.getByRole('link', { name: 'Marina Console' }).waitFor();
    await strict.close();
    expect(refused).toEqual([]);
  });
});
