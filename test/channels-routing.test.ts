import { SERVICE_WINDOW_MS } from '../src/whatsapp/service-window';
import { createTenant, eventually, randomWaId } from './support/stack';
import { startWhatsAppStack, type WhatsAppStack } from './support/whatsapp-stack';

/**
 * The messaging core on WhatsApp: replies on the customer's channel, routed dispatches, the 24 h
 * window conversion (and its race with Meta), and the cost ledger — through the API, the worker
 * and the spec-validated WhatsApp simulator.
 */
describe('channels: routing, conversion and the cost ledger', () => {
  let stack: WhatsAppStack;
  let sim: WhatsAppStack['sim'];
  let api: WhatsAppStack['api'];
  let config: WhatsAppStack['config'];
  let pool: WhatsAppStack['db'];

  beforeAll(async () => {
    stack = await startWhatsAppStack({ env: { DISPATCH_RECEIPT_TIMEOUT: '3s' } });
    ({ sim, api, config, db: pool } = stack);
  });
  afterAll(() => stack?.stop());

  type Tenant = Awaited<ReturnType<typeof createTenant>>;

  async function customerWrites(tenant: Tenant, waId: string): Promise<string> {
    sim.simulator.customerSendsMessage(waId, { phoneNumberId: tenant.phoneNumberId, text: 'Oi, tudo bem?' });
    return eventually(async () => {
      const found = await tenant.call('GET', `/v1/contacts?wa_id=${waId}`);
      return found.body[0]?.id as string | undefined;
    }, 20_000, 'the customer to be a contact');
  }

  async function dispatchFinished(tenant: Tenant, id: string) {
    return eventually(async () => {
      const d = (await tenant.call('GET', `/v1/dispatches/${id}`)).body;
      return d.state === 'routing' ? undefined : d;
    }, 30_000, `dispatch ${id} to finish`);
  }

  const cart = (name: string) => ({
    text: `Oi ${name}, você esqueceu itens no carrinho. Finalize sua compra!`,
    buttons: [{ id: 'finish', title: 'Finalizar compra' }, { id: 'stop', title: 'Parar promoções' }],
    template: { name: 'carrinho_abandonado', language: 'pt_BR', parameters: [name] },
  });

  it('a reply goes out on the channel account the customer last wrote to, free inside the window', async () => {
    const tenant = await createTenant(api, config);
    const waId = randomWaId();
    const contactId = await customerWrites(tenant, waId);

    const sent = await tenant.call('POST', '/v1/messages', { contact_id: contactId, content: { text: 'Tudo ótimo! Como posso ajudar?' } });
    expect(sent.status).toBe(202);
    expect(sent.body).toMatchObject({
      channel: 'whatsapp',
      channel_account_id: tenant.numberId,
      whatsapp_number_id: tenant.numberId,
      type: 'text',
      category: 'service_reply',
      pricing: 'free_form',
      cost: 0,
      currency: 'BRL',
    });
    await eventually(async () => ((await tenant.call('GET', `/v1/messages/${sent.body.id}`)).body.state === 'delivered' ? true : undefined));
    expect(sim.simulator.messages({ to: waId })).toMatchObject([{ type: 'text' }]);

    const thread = (await tenant.call('GET', `/v1/messages?contact_id=${contactId}`)).body;
    expect(thread.map((m: { direction: string; channel: string }) => [m.direction, m.channel])).toEqual([
      ['outbound', 'whatsapp'],
      ['inbound', 'whatsapp'],
    ]);
  });

  it('outside the window, content without its template is refused naming content.template; with it, the template goes', async () => {
    const tenant = await createTenant(api, config);
    const waId = randomWaId();
    const contact = await tenant.call('POST', '/v1/contacts', { name: 'Maria', identities: [{ type: 'whatsapp', value: waId }] });
    expect(contact.status).toBe(201);

    const refused = await tenant.call('POST', '/v1/messages', { contact_id: contact.body.id, channel_account_id: tenant.numberId, content: { text: 'Olá' } });
    expect(refused.status).toBe(422);
    expect(JSON.stringify(refused.body)).toContain('content.template');

    const template = await tenant.call('POST', '/v1/messages', {
      contact_id: contact.body.id,
      channel_account_id: tenant.numberId,
      category: 'utility',
      content: { text: 'Olá Maria, seu pedido #9 foi atualizado: enviado.', template: { name: 'pedido_atualizado', language: 'pt_BR', parameters: ['Maria', '#9', 'enviado'] } },
    });
    expect(template.status).toBe(202);
    expect(template.body).toMatchObject({ type: 'template', pricing: 'template', category: 'utility', cost: 0.034 });
    await eventually(async () => ((await tenant.call('GET', `/v1/messages/${template.body.id}`)).body.state === 'delivered' ? true : undefined));
  });

  it('a marketing dispatch to a customer inside the window goes free-form with its buttons, and the ledger counts the saving', async () => {
    const tenant = await createTenant(api, config);
    const waId = randomWaId();
    const contactId = await customerWrites(tenant, waId);

    const created = await tenant.call('POST', '/v1/dispatches', { contact_id: contactId, category: 'marketing', content: cart('Maria') });
    expect(created.status).toBe(202);
    expect(created.body.plan).toEqual([
      { step: 'whatsapp_free_form', channel: 'whatsapp', channel_account_id: tenant.numberId, pricing: 'converted', cost: 0 },
    ]);
    const done = await dispatchFinished(tenant, created.body.id);
    expect(done.state).toBe('delivered');
    const [sent] = sim.simulator.messages({ to: waId });
    expect(sent.type).toBe('interactive');
    expect(sent.body).toMatchObject({
      interactive: { body: { text: cart('Maria').text }, action: { buttons: [{ reply: { title: 'Finalizar compra' } }, { reply: { title: 'Parar promoções' } }] } },
    });

    const month = new Date().toISOString().slice(0, 7);
    const costs = (await tenant.call('GET', `/v1/costs?month=${month}`)).body;
    expect(costs).toMatchObject({ month, currency: 'BRL', messages: 1, cost: 0, template_cost: 0.3125, saved_by_conversion: 0.3125, saved_by_routing: 0, saved_pct: 100 });
    expect(costs.rows).toEqual([{ channel: 'whatsapp', category: 'marketing', messages: 1, cost: 0, template_cost: 0.3125, converted: 1 }]);
  });

  it('when Meta says the window closed before the converted message arrived, the same message goes as the template', async () => {
    const tenant = await createTenant(api, config);
    const waId = randomWaId();
    const contact = await tenant.call('POST', '/v1/contacts', { name: 'João', identities: [{ type: 'whatsapp', value: waId }] });
    // recado saw a message 1 s inside the window; Meta (the simulator) never did: its window is closed.
    await pool.query(
      `INSERT INTO service_windows (account_id, contact_id, channel_account_id, last_inbound_at) VALUES ($1, $2, $3, $4)`,
      [tenant.accountId, contact.body.id, tenant.numberId, new Date(Date.now() - SERVICE_WINDOW_MS + 60_000)],
    );
    const created = await tenant.call('POST', '/v1/dispatches', { contact_id: contact.body.id, category: 'marketing', content: cart('João') });
    expect(created.body.plan[0]).toMatchObject({ step: 'whatsapp_free_form', pricing: 'converted' });

    const done = await dispatchFinished(tenant, created.body.id);
    expect(done.state).toBe('delivered');
    const sent = sim.simulator.messages({ to: waId });
    expect(sent.map((m) => m.type)).toEqual(['template']);
    const message = (await tenant.call('GET', `/v1/messages/${done.message_id}`)).body;
    expect(message).toMatchObject({ type: 'template', pricing: 'template', cost: 0.3125, send_attempts: 2 });
  });

  it('a dispatch no channel can carry is refused naming contact_id; one accepted without a delivery receipt ends sent, not delivered', async () => {
    const tenant = await createTenant(api, config);
    const contact = await tenant.call('POST', '/v1/contacts', { name: 'Sem canal', identities: [{ type: 'phone', value: '+5511955554444' }] });
    const refused = await tenant.call('POST', '/v1/dispatches', { contact_id: contact.body.id, category: 'utility', content: { text: 'Oi' } });
    expect(refused.status).toBe(422);
    expect(JSON.stringify(refused.body)).toContain('contact_id');

    const waId = randomWaId();
    const contactId = await customerWrites(tenant, waId);
    sim.simulator.setStatusDelay(60_000);
    try {
      const created = await tenant.call('POST', '/v1/dispatches', { contact_id: contactId, category: 'service_reply', content: { text: 'Seu protocolo é 123' } });
      const done = await dispatchFinished(tenant, created.body.id);
      const [sent] = sim.simulator.messages({ to: waId });
      expect(sim.simulator.messages({ to: waId })).toHaveLength(1);
      const message = (await tenant.call('GET', `/v1/messages/${done.message_id}`)).body;
      expect(done.state).toBe('sent');
      expect(message).toMatchObject({ state: 'accepted', provider_message_id: sent.id });
    } finally {
      sim.simulator.setStatusDelay(50);
    }
  });

  it('lists WhatsApp numbers as channel accounts; refuses connecting one here, an unknown channel, an unknown contact', async () => {
    const tenant = await createTenant(api, config);
    const list = await tenant.call('GET', '/v1/channel-accounts');
    expect(list.body).toEqual([expect.objectContaining({ id: tenant.numberId, channel: 'whatsapp', address: tenant.phoneNumberId, secret_names: [] })]);
    const refused = await tenant.call('POST', '/v1/channel-accounts', { channel: 'whatsapp', name: 'x', address: '1' });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('POST /v1/whatsapp-numbers');
    const unknown = await tenant.call('POST', '/v1/channel-accounts', { channel: 'fax', name: 'x', address: '1' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toEqual([expect.stringMatching(/^channel must be one of email, telegram, app/)]);
    const nowhere = await tenant.call('POST', '/v1/messages', { contact_id: '00000000-0000-4000-8000-000000000000', channel_account_id: tenant.numberId, content: { text: 'x' } });
    expect(nowhere.status).toBe(404);
  });
});
