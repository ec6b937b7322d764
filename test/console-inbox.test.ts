import { randomInt, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Pool } from 'pg';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startWhatsAppSimulator, type RunningWhatsAppSimulator } from '../src/simulators/whatsapp/server';
import { signWebhook } from '../src/whatsapp/signature';
import { axeViolations, launchChromium } from './helpers/browser';
import { inboundTextWebhook } from './support/payloads';
import { apiClient, createTenant, eventually, randomWaId, startApi, startWorker, testConfig, type RunningApi } from './support/stack';
import { linkPedidoAtualizado, storeOn } from './support/stores';

const SCREENSHOTS = path.join(__dirname, '..', 'docs', 'screenshots');
const HOUR = 3_600_000;

/**
 * The console's inbox and a contact's thread in headless Chromium against the API and a worker:
 * a WhatsApp customer's message reaches the open inbox without a reload, the thread shows it, the
 * agent's free-form reply appears there and follows its status to delivered; a customer whose
 * window closed gets an approved template, the console saying why, and the thread shows it as the
 * customer read it. The inbox's filters (channel, assigned to me) live in the URL and hold for the
 * live updates. axe finds nothing serious.
 */
describe('the console inbox and thread in a browser', () => {
  let config: ReturnType<typeof testConfig>;
  let api: RunningApi;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let wa: RunningWhatsAppSimulator;
  let browser: Browser;
  let context: BrowserContext;
  let pool: Pool;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  let token: string;

  beforeAll(async () => {
    [wa, browser] = await Promise.all([startWhatsAppSimulator({ webhookUrl: null, statusDelayMs: 20, pairRateLimit: false }), launchChromium()]);
    config = testConfig({ WHATSAPP_GRAPH_URL: wa.url });
    api = await startApi(config);
    wa.simulator.setWebhookUrl(`${api.url}/v1/webhooks/whatsapp`);
    // The worker sends the agent's replies (and follows their statuses).
    worker = await startWorker(config);
    pool = new Pool({ connectionString: config.databaseUrl, max: 2 });
    // axe is injected as a script, which the console's policy forbids: these pages bypass it.
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'pt-BR', bypassCSP: true });
    mkdirSync(SCREENSHOTS, { recursive: true });

    tenant = await createTenant(api, config);
    const agent = await tenant.call('POST', '/v1/agents', { name: 'Ana Souza', email: `ana.inbox.${Date.now()}@example.com`, role: 'admin' });
    expect(agent.status).toBe(201);
    token = agent.body.api_key.key;
  });
  afterAll(async () => {
    await wa?.simulator.settle();
    await context?.close();
    await browser?.close();
    await pool?.end();
    await worker?.stop();
    await api?.close();
    await wa?.close();
  });

  async function seriousViolations(page: Page) {
    return (await axeViolations(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
  }

  async function signIn(page: Page, agentToken = token) {
    await page.goto(`${api.url}/console/`);
    await page.getByLabel('Token de agente').fill(agentToken);
    await page.getByRole('button', { name: 'Entrar' }).click();
    await page.getByRole('heading', { name: 'Caixa de entrada', level: 1 }).waitFor();
    // The live stream is open: what happens from now on reaches the page.
    await page.getByRole('status').getByText('Ao vivo').waitFor();
  }

  /** A customer's message as Meta delivered it at `at` (in the past: the simulator's clock is now). */
  async function customerWroteAt(waId: string, text: string, at: Date, name: string, to = tenant) {
    const hook = inboundTextWebhook(to.phoneNumberId, waId, `wamid.inbox${Date.now()}${Math.random()}`, text, name);
    hook.entry[0].changes[0].value.messages[0].timestamp = String(Math.floor(at.getTime() / 1000));
    const raw = JSON.stringify(hook);
    const res = await fetch(`${api.url}/v1/webhooks/whatsapp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWebhook(raw, config.whatsapp.appSecret) },
      body: raw,
    });
    expect(res.status).toBe(200);
  }

  it("shows a customer's message in the open inbox without a reload, and the agent's free-form reply with its status in the thread", async () => {
    const page = await context.newPage();
    let loads = 0;
    page.on('load', () => (loads += 1));
    await signIn(page);
    await page.getByText('Nenhuma conversa ainda.', { exact: false }).waitFor();
    const loadsBefore = loads;

    // The customer writes on WhatsApp while the inbox is open.
    const waId = randomWaId();
    wa.simulator.customerSendsMessage(waId, { phoneNumberId: tenant.phoneNumberId, text: 'Olá! Meu pedido 1042 já saiu?', name: 'Rita Cliente' });
    await wa.simulator.settle();
    const row = page.getByRole('list', { name: 'Conversas' }).getByRole('listitem').filter({ hasText: 'Rita Cliente' });
    await row.getByText('Olá! Meu pedido 1042 já saiu?').waitFor();
    await row.getByText('1 não lidas').waitFor();
    await row.getByText('WhatsApp').waitFor();
    expect(loads).toBe(loadsBefore);
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'console-inbox.png'), fullPage: true });

    // The thread: the message, and why a free-form reply is allowed.
    await row.getByRole('link', { name: 'Rita Cliente' }).click();
    await page.getByRole('heading', { name: 'Conversa com Rita Cliente', level: 1 }).waitFor();
    await page.getByRole('listitem').filter({ hasText: 'Olá! Meu pedido 1042 já saiu?' }).getByText('Cliente', { exact: true }).waitFor();
    await page.getByText('O cliente escreveu há 0 h: texto livre por mais 24 h.').waitFor();

    // The reply goes through POST /v1/messages and follows its status live.
    await page.getByLabel('Mensagem').fill('Saiu hoje cedo, chega amanhã.');
    await page.getByRole('button', { name: 'Enviar' }).click();
    const reply = page.getByRole('listitem').filter({ hasText: 'Saiu hoje cedo, chega amanhã.' });
    await reply.getByText(/^Status: (entregue|lida)$/).waitFor();
    expect(await page.getByLabel('Mensagem').inputValue()).toBe('');
    const sent = await tenant.call('GET', `/v1/messages?contact_id=${(await contactIdOf('Rita Cliente'))}`);
    const outbound = sent.body.filter((m: any) => m.direction === 'outbound');
    expect(outbound).toHaveLength(1);
    expect(outbound[0]).toMatchObject({ channel: 'whatsapp', type: 'text' });
    expect(['delivered', 'read']).toContain(outbound[0].state);
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'console-thread.png'), fullPage: true });

    // Back in the inbox: read, with the agent's reply as the last line.
    await page.getByRole('link', { name: 'Voltar à caixa de entrada' }).click();
    const back = page.getByRole('list', { name: 'Conversas' }).getByRole('listitem').filter({ hasText: 'Rita Cliente' });
    await back.getByText('Saiu hoje cedo, chega amanhã.').waitFor();
    expect(await back.getByText('Você:').count()).toBe(1);
    // The reply's status, as the live stream last told it (delivered, or read once the customer reads it).
    await back.getByText(/· (entregue|lida)$/).waitFor();
    expect(await back.getByText(/não lidas/).count()).toBe(0);
    expect(loads).toBe(loadsBefore);
    await page.close();
  });

  it('offers only approved templates once the window closed, says why, and sends the filled template', async () => {
    const waId = randomWaId();
    await customerWroteAt(waId, 'Vocês têm o remédio X?', new Date(Date.now() - 30 * HOUR), 'Caio Antigo');
    const contactId = await eventually(() => contactIdOf('Caio Antigo'), 20_000, 'the conversation');
    // A store on the number linked an approved Meta template (as the store templates API records it).
    const store = await storeOn(tenant);
    await linkPedidoAtualizado(pool, tenant, store.id);

    const page = await context.newPage();
    await signIn(page);
    await page.getByRole('link', { name: 'Caixa de entrada' }).waitFor();
    await page.goto(`${api.url}/console/contacts/${contactId}/thread`);
    await page.getByRole('heading', { name: 'Conversa com Caio Antigo', level: 1 }).waitFor();
    await page.getByText('O cliente escreveu há 30 h: somente modelos.').waitFor();
    expect(await page.getByLabel('Mensagem').count()).toBe(0);

    // By keyboard: pick the template, fill its three parameters, send.
    await page.getByLabel('Modelo aprovado').selectOption({ label: 'pedido_atualizado (pt_BR)' });
    expect(await page.getByRole('button', { name: 'Enviar' }).isDisabled()).toBe(true);
    await page.getByLabel('Parâmetro 1').focus();
    await page.keyboard.type('Caio');
    await page.keyboard.press('Tab');
    await page.keyboard.type('88');
    await page.keyboard.press('Tab');
    await page.keyboard.type('enviado');
    await page.getByText('Olá Caio, seu pedido 88 foi atualizado: enviado.').waitFor();
    await page.getByRole('button', { name: 'Enviar' }).focus();
    await page.keyboard.press('Enter');
    // The thread shows the template as the customer read it, its name as a label.
    const sent = page.getByRole('listitem').filter({ hasText: 'Olá Caio, seu pedido 88 foi atualizado: enviado.' });
    await sent.getByText(/^Status: (entregue|lida)$/).waitFor();
    await sent.getByText('Modelo pedido_atualizado', { exact: true }).waitFor();
    expect(await sent.getByText('pedido_atualizado: Caio, 88, enviado').count()).toBe(0);
    // The reply box starts a new draft: no template picked, no parameters left over.
    expect(await page.getByLabel('Modelo aprovado').inputValue()).toBe('-1');
    expect(await page.getByLabel('Parâmetro 1').count()).toBe(0);
    const messages = await tenant.call('GET', `/v1/messages?contact_id=${contactId}`);
    expect(messages.body.find((m: any) => m.direction === 'outbound')).toMatchObject({ type: 'template', category: 'utility' });
    expect(await seriousViolations(page)).toEqual([]);

    // English follows the same rule.
    await page.getByLabel('Idioma').selectOption('en');
    await page.getByText('The customer last wrote 30 h ago: templates only.').waitFor();
    // The language is kept in localStorage, shared by the context's pages: set back for the others.
    await page.getByLabel('Language').selectOption('pt');
    await page.close();
  });

  it("interleaves calls: the latest with its transcript inline, an older one folded until its deep link unfolds it", async () => {
    const contact = await tenant.call('POST', '/v1/contacts', { name: 'Lia Ligações', identities: [{ type: 'whatsapp', value: randomWaId() }] });
    expect(contact.status).toBe(201);
    const contactId: string = contact.body.id;
    const older = await seedCall(contactId, new Date(Date.now() - 5 * HOUR), 'Queria saber do frete.');
    const latest = await seedCall(contactId, new Date(Date.now() - HOUR), 'Pode confirmar o endereço?');
    const thread = await tenant.call('GET', `/v1/contacts/${contactId}/thread`);
    const olderLink: string = thread.body.items.find((i: any) => i.call?.id === older).call.deep_link;
    expect(olderLink.endsWith(`#call-${older}`)).toBe(true);

    const page = await context.newPage();
    await signIn(page);
    // The deep link's fragment names the call's anchor in the console's thread.
    await page.goto(`${api.url}/console/contacts/${contactId}/thread${olderLink.slice(olderLink.indexOf('#'))}`);
    await page.getByRole('heading', { name: 'Conversa com Lia Ligações', level: 1 }).waitFor();
    const latestCall = page.locator(`#call-${latest}`);
    const olderCall = page.locator(`#call-${older}`);
    await latestCall.getByText('Pode confirmar o endereço?').waitFor();
    expect(await latestCall.locator('details').count()).toBe(0);
    // Folded, but unfolded by its deep link: its transcript comes from the call's details.
    expect(await olderCall.locator('details').getAttribute('open')).not.toBeNull();
    await olderCall.getByText('Queria saber do frete.').waitFor();
    expect(await page.evaluate('document.activeElement?.id')).toBe(`call-${older}`);
    // Folding it again by keyboard hides the transcript.
    await olderCall.getByText('Detalhes da chamada').focus();
    await page.keyboard.press('Enter');
    await olderCall.getByText('Queria saber do frete.').waitFor({ state: 'hidden' });
    expect(await seriousViolations(page)).toEqual([]);

    // A contact that is not there: the thread says so in the API's words, with a way to try again.
    await page.goto(`${api.url}/console/contacts/00000000-0000-4000-8000-000000000000/thread`);
    const missing = await tenant.call('GET', '/v1/contacts/00000000-0000-4000-8000-000000000000/thread');
    expect(missing.status).toBe(404);
    await page.getByRole('alert').filter({ hasText: missing.body.message }).waitFor();
    expect(await page.getByRole('alert').count()).toBe(1);
    await page.getByRole('button', { name: 'Tentar de novo' }).waitFor();
    await page.close();
  });

  it('filters the inbox by channel and by "assigned to me", keeps the filters in the URL, and live updates respect them', async () => {
    // A tenant of its own: its inbox holds only what this test puts there.
    const shop = await createTenant(api, config, 'Farmácia Filtros');
    const created = await shop.call('POST', '/v1/agents', { name: 'Bruno Lima', email: `bruno.inbox.${Date.now()}@example.com`, role: 'admin' });
    expect(created.status).toBe(201);
    const agentToken: string = created.body.api_key.key;
    const agentId: string = created.body.agent.id;
    const secret = `tg-secret-${randomUUID()}`;
    const botId = randomInt(100_000_000, 999_999_999);
    const bot = await shop.call('POST', '/v1/channel-accounts', {
      channel: 'telegram',
      name: 'Loja bot',
      address: String(botId),
      settings: { delivery: 'webhook' },
      // Nothing goes to Telegram here: the customers write through the bot's webhook.
      secrets: { bot_token: `${botId}:${'x'.repeat(35)}`, webhook_secret: secret },
    });
    expect(bot.status).toBe(201);
    let updateId = randomInt(1, 1_000_000);
    const telegramCustomerWrites = async (chatId: number, firstName: string, text: string) => {
      updateId += 1;
      const person = { id: chatId, first_name: firstName };
      const update = { update_id: updateId, message: { message_id: updateId, date: Math.floor(Date.now() / 1000), chat: { ...person, type: 'private' }, from: { ...person, is_bot: false }, text } };
      const res = await fetch(`${api.url}/v1/webhooks/telegram/${bot.body.id}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
        body: JSON.stringify(update),
      });
      expect(res.status).toBe(200);
    };
    const conversationOf = async (name: string) => {
      const inbox = await apiClient(api.url, agentToken)('GET', '/v1/conversations');
      return (inbox.body.items as any[]).find((c) => c.contact.name === name);
    };

    const wandaWaId = randomWaId();
    await customerWroteAt(wandaWaId, 'Oi, pelo WhatsApp', new Date(Date.now() - HOUR), 'Wanda Zap', shop);
    await telegramCustomerWrites(randomInt(100_000_000, 999_999_999), 'Telma', 'Oi, pelo Telegram');
    const wanda = await eventually(() => conversationOf('Wanda Zap'), 20_000, "Wanda's conversation");
    await eventually(() => conversationOf('Telma'), 20_000, "Telma's conversation");
    expect((await shop.call('PUT', `/v1/contacts/${wanda.contact.id}/assigned-agent`, { assigned_agent_id: agentId })).status).toBe(200);

    const page = await context.newPage();
    await signIn(page, agentToken);
    const filters = page.getByRole('form', { name: 'Filtros' });
    const list = page.getByRole('list', { name: 'Conversas' });
    const line = (name: string) => list.getByRole('listitem').filter({ hasText: name });
    await line('Wanda Zap').waitFor();
    await line('Telma').waitFor();

    // Telegram only: the list narrows, and the URL says so.
    await filters.getByLabel('Canal').selectOption({ label: 'Telegram' });
    await line('Wanda Zap').waitFor({ state: 'hidden' });
    await line('Telma').waitFor();
    expect(new URL(page.url()).search).toBe('?channel=telegram');
    expect(await seriousViolations(page)).toEqual([]);

    // Live: Wanda writes again on WhatsApp (not shown), then a new Telegram customer (shown). The
    // refresh that brings Tito in ran after Wanda's message was stored: had it matched, it would be there.
    await customerWroteAt(wandaWaId, 'Alguém aí?', new Date(), 'Wanda Zap', shop);
    await eventually(async () => ((await conversationOf('Wanda Zap'))?.last_message.preview === 'Alguém aí?' ? true : undefined), 20_000, "Wanda's new message");
    await telegramCustomerWrites(randomInt(100_000_000, 999_999_999), 'Tito', 'Chegou?');
    await line('Tito').waitFor();
    expect(await line('Wanda Zap').count()).toBe(0);

    // A reload keeps the filter.
    await page.reload();
    await line('Tito').waitFor();
    await line('Telma').waitFor();
    expect(await line('Wanda Zap').count()).toBe(0);
    expect(await filters.getByLabel('Canal').inputValue()).toBe('telegram');

    // Assigned to me as well: nothing matches, and the inbox says it is the filters.
    await filters.getByLabel('Atribuídas a mim').check();
    await page.getByText('Nenhuma conversa corresponde a estes filtros.').waitFor();
    expect(new URL(page.url()).search).toBe('?channel=telegram&assigned=me');
    expect(page.url()).not.toContain(agentToken);
    expect(await seriousViolations(page)).toEqual([]);
    // Any channel, still mine: Wanda, assigned to this agent.
    await filters.getByLabel('Canal').selectOption({ label: 'Todos os canais' });
    await line('Wanda Zap').waitFor();
    expect(await list.getByRole('listitem').count()).toBe(1);

    // Back returns to the previous filters, step by step.
    await page.goBack();
    await page.getByText('Nenhuma conversa corresponde a estes filtros.').waitFor();
    expect(await filters.getByLabel('Canal').inputValue()).toBe('telegram');
    await page.goBack();
    await line('Tito').waitFor();
    expect(await filters.getByLabel('Atribuídas a mim').isChecked()).toBe(false);

    // The thread's way back returns to the filtered inbox.
    await line('Tito').getByRole('link', { name: 'Tito' }).click();
    await page.getByRole('heading', { name: 'Conversa com Tito', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Voltar à caixa de entrada' }).click();
    await line('Telma').waitFor();
    expect(new URL(page.url()).search).toBe('?channel=telegram');
    expect(await line('Wanda Zap').count()).toBe(0);

    // Clearing from the empty state shows everyone again.
    await filters.getByLabel('Atribuídas a mim').check();
    await page.getByRole('button', { name: 'Limpar filtros' }).click();
    await line('Wanda Zap').waitFor();
    await line('Tito').waitFor();
    expect(new URL(page.url()).search).toBe('');
    await page.close();
  });

  /** A completed call of the contact on the tenant's number, transcribed (as the post-call pipeline stores it). */
  async function seedCall(contactId: string, at: Date, customerSaid: string): Promise<string> {
    const id = randomUUID();
    await pool.query(
      `INSERT INTO calls (id, account_id, whatsapp_number_id, contact_id, direction, state, room_name, created_at, ringing_at, accepted_at, ended_at, duration_seconds)
       VALUES ($1, $2, $3, $4, 'user_initiated', 'completed', $5, $6::timestamptz, $6::timestamptz + interval '2 s', $6::timestamptz + interval '5 s', $6::timestamptz + interval '65 s', 60)`,
      [id, tenant.accountId, tenant.numberId, contactId, `call-${id}`, at.toISOString()],
    );
    const transcript = [
      { speaker: 'customer', agent_id: null, name: 'Cliente', start_ms: 0, end_ms: 2000, text: customerSaid },
      { speaker: 'agent', agent_id: null, name: 'Ana Souza', start_ms: 2500, end_ms: 4000, text: 'Claro, um momento.' },
    ];
    const summary = { reason: 'Dúvida', outcome: 'Respondida', next_steps: [], sentiment: 'neutral', follow_up_date: null, generated_by: 'gpt-4o-mini' };
    await pool.query(
      `INSERT INTO call_postcall (call_id, account_id, recording_status, transcription_status, summary_status, transcript, summary)
       VALUES ($1, $2, 'done', 'done', 'done', $3, $4)`,
      [id, tenant.accountId, JSON.stringify(transcript), JSON.stringify(summary)],
    );
    return id;
  }

  /** The contact of the inbox line with this name (undefined until it is there). */
  async function contactIdOf(name: string): Promise<string | undefined> {
    const inbox = await tenant.call('GET', '/v1/conversations');
    return inbox.body.items.find((c: any) => c.contact.name === name)?.contact.id;
  }
});
