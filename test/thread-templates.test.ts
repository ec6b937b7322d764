import { WhatsAppGraphClient } from '../src/whatsapp/graph-client';
import { signWebhook } from '../src/whatsapp/signature';
import { inboundTextWebhook } from './support/payloads';
import { createTenant, eventually, randomWaId } from './support/stack';
import { storeOn } from './support/stores';
import { startWhatsAppStack, type WhatsAppStack } from './support/whatsapp-stack';

const HOUR = 3_600_000;

/**
 * A contact's thread shows a sent WhatsApp template as the customer read it (rendered_template):
 * the definition a store synced from Meta, with the send's parameters filled in; null for other
 * messages and for a template recado holds no definition of.
 */
describe("the thread's template messages, as the customer read them", () => {
  let stack: WhatsAppStack;
  let api: WhatsAppStack['api'];
  let config: WhatsAppStack['config'];
  let db: WhatsAppStack['db'];

  beforeAll(async () => {
    stack = await startWhatsAppStack({ simulator: { statusDelayMs: 20 } });
    ({ api, config, db } = stack);
  });
  afterAll(() => stack?.stop());

  /** A customer's message as Meta delivered it 30 hours ago, and the contact recado made of it. */
  async function customerWrote30HoursAgo(text: string, name: string) {
    const tenant = await createTenant(api, config);
    const waId = randomWaId();
    const hook = inboundTextWebhook(tenant.phoneNumberId, waId, `wamid.tpl${Date.now()}${Math.random()}`, text, name);
    hook.entry[0].changes[0].value.messages[0].timestamp = String(Math.floor((Date.now() - 30 * HOUR) / 1000));
    const raw = JSON.stringify(hook);
    const delivered = await fetch(`${api.url}/v1/webhooks/whatsapp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWebhook(raw, config.whatsapp.appSecret) },
      body: raw,
    });
    expect(delivered.status).toBe(200);
    const contactId = await eventually(async () => {
      const inbox = await tenant.call('GET', '/v1/conversations');
      return inbox.body.items?.find((c: any) => c.contact.name === name)?.contact.id as string | undefined;
    }, 20_000, 'the conversation');
    return { tenant, waId, contactId };
  }

  it('renders a positional template from its synced definition in the language sent, and leaves others null', async () => {
    // The customer wrote 30 h ago: only templates reach them now.
    const { tenant, contactId } = await customerWrote30HoursAgo('Meu pedido?', 'Ana Template');

    // A store on the number synced pedido_atualizado from Meta; an English one of the same name is newer.
    const store = await storeOn(tenant, 'Loja');
    const definition = (language: string, components: unknown[]) =>
      db.query(
        `INSERT INTO store_templates (account_id, store_id, event_type, variant, category, content, meta_template, updated_at)
         VALUES ($1, $2, 'order_updated', $3, 'utility', $4, $5, now() + make_interval(secs => $6))`,
        [
          tenant.accountId,
          store.id,
          language.replace('_', ''),
          { body: 'Olá {{name}}' },
          { name: 'pedido_atualizado', language, status: 'APPROVED', category: 'UTILITY', components },
          language === 'en_US' ? 1 : 0,
        ],
      );
    await definition('pt_BR', [
      { type: 'HEADER', format: 'TEXT', text: 'Pedido atualizado' },
      { type: 'BODY', text: 'Olá {{1}}, seu pedido {{2}} foi atualizado: {{3}}.' },
      { type: 'FOOTER', text: 'Farmácia Teste' },
      { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Parar avisos' }] },
    ]);
    await definition('en_US', [{ type: 'BODY', text: 'Hi {{1}}, order {{2}} is now {{3}}.' }]);

    // The free-form equivalent (content.text) says something else: the thread shows what WhatsApp showed.
    const known = await tenant.call('POST', '/v1/messages', {
      contact_id: contactId,
      category: 'utility',
      content: { text: 'Seu pedido mudou.', template: { name: 'pedido_atualizado', language: 'pt_BR', parameters: ['Ana', '7', 'enviado'] } },
    });
    expect(known.status).toBe(202);
    // The simulator approves boleto_lembrete, but no store of the account synced its definition.
    const unknown = await tenant.call('POST', '/v1/messages', {
      contact_id: contactId,
      category: 'utility',
      content: { text: 'Boleto', template: { name: 'boleto_lembrete', language: 'pt_BR', parameters: ['Ana', 'R$ 10,00', 'amanhã', '123'] } },
    });
    expect(unknown.status).toBe(202);
    for (const id of [known.body.id, unknown.body.id]) {
      await eventually(async () => {
        const m = await tenant.call('GET', `/v1/messages/${id}`);
        return ['delivered', 'read'].includes(m.body.state) || undefined;
      }, 20_000, 'the template delivered');
    }

    const thread = await tenant.call('GET', `/v1/contacts/${contactId}/thread`);
    expect(thread.status).toBe(200);
    const message = (id: string) => thread.body.items.find((i: any) => i.message?.id === id).message;
    expect(message(known.body.id)).toMatchObject({
      type: 'template',
      body: { template: { name: 'pedido_atualizado', language: { code: 'pt_BR' } } },
      rendered_template: {
        name: 'pedido_atualizado',
        language: 'pt_BR',
        header: 'Pedido atualizado',
        body: 'Olá Ana, seu pedido 7 foi atualizado: enviado.',
        footer: 'Farmácia Teste',
        buttons: [{ text: 'Parar avisos', url: null }],
      },
    });
    expect(message(unknown.body.id)).toMatchObject({ type: 'template', body: { template: { name: 'boleto_lembrete' } }, rendered_template: null });
    const inbound = thread.body.items.find((i: any) => i.message?.direction === 'inbound').message;
    expect(inbound).toMatchObject({ type: 'text', rendered_template: null });

    // Another account's thread never reads this account's definitions.
    const other = await createTenant(api, config);
    expect((await other.call('GET', `/v1/contacts/${contactId}/thread`)).status).toBe(404);
  });

  it('sends a NAMED template by placeholder name (parameter_name) and renders it; Meta refuses a name the template lacks', async () => {
    // The customer wrote 30 h ago: only templates reach them now.
    const { tenant, waId, contactId } = await customerWrote30HoursAgo('Cadê meu pedido?', 'Bia Nomeada');

    // A store synced the simulator's NAMED pedido_enviado, as GET message_templates lists it.
    const store = await storeOn(tenant, 'Loja Nomeada');
    const graph = new WhatsAppGraphClient({ baseUrl: stack.sim.url, version: 'v23.0', accessToken: 'simulator-token', timeoutMs: 5000 });
    const metaTemplate = (await graph.listMessageTemplates('102290129340398', { name: 'pedido_enviado' })).data![0];
    expect(metaTemplate).toMatchObject({ name: 'pedido_enviado', language: 'pt_BR', parameter_format: 'NAMED' });
    await db.query(
      `INSERT INTO store_templates (account_id, store_id, event_type, variant, category, content, meta_template, updated_at)
       VALUES ($1, $2, 'order_shipped', 'ptBR', 'utility', $3, $4, now())`,
      [tenant.accountId, store.id, { body: 'Olá {{name}}' }, metaTemplate],
    );

    const sent = await tenant.call('POST', '/v1/messages', {
      contact_id: contactId,
      category: 'utility',
      content: {
        text: 'Seu pedido saiu.',
        template: { name: 'pedido_enviado', language: 'pt_BR', named_parameters: [{ name: 'pedido', text: '1042' }, { name: 'nome', text: 'Bia' }] },
      },
    });
    expect(sent.status).toBe(202);
    await eventually(async () => {
      const m = await tenant.call('GET', `/v1/messages/${sent.body.id}`);
      return ['delivered', 'read'].includes(m.body.state) || undefined;
    }, 20_000, 'the named template delivered');
    const reached = stack.sim.simulator.messages({ to: waId }).map((m) => m.body);
    expect(reached).toEqual([
      expect.objectContaining({
        type: 'template',
        template: {
          name: 'pedido_enviado',
          language: { code: 'pt_BR' },
          components: [{ type: 'body', parameters: [{ type: 'text', parameter_name: 'pedido', text: '1042' }, { type: 'text', parameter_name: 'nome', text: 'Bia' }] }],
        },
      }),
    ]);

    const thread = await tenant.call('GET', `/v1/contacts/${contactId}/thread`);
    expect(thread.status).toBe(200);
    const message = thread.body.items.find((i: any) => i.message?.id === sent.body.id).message;
    expect(message.rendered_template).toMatchObject({ name: 'pedido_enviado', language: 'pt_BR', body: 'Olá Bia, seu pedido 1042 foi enviado.' });

    // A placeholder the template does not have: Meta's 132000, and the message fails with it.
    const wrong = await tenant.call('POST', '/v1/messages', {
      contact_id: contactId,
      category: 'utility',
      content: {
        text: 'Seu pedido saiu.',
        template: { name: 'pedido_enviado', language: 'pt_BR', named_parameters: [{ name: 'nome', text: 'Bia' }, { name: 'cupom', text: 'X' }] },
      },
    });
    expect(wrong.status).toBe(202);
    const failed = await eventually(async () => {
      const m = await tenant.call('GET', `/v1/messages/${wrong.body.id}`);
      return m.body.state === 'failed' ? m.body : undefined;
    }, 20_000, 'the refused template failed');
    expect(failed.error).toMatchObject({ code: 132000 });

    // Positional and named parameters at once: refused before anything is sent.
    const both = await tenant.call('POST', '/v1/messages', {
      contact_id: contactId,
      content: { text: 'x', template: { name: 'pedido_enviado', language: 'pt_BR', parameters: ['Bia'], named_parameters: [{ name: 'nome', text: 'Bia' }] } },
    });
    expect(both.status).toBe(400);
    expect(JSON.stringify(both.body.message)).toContain('named_parameters');
    const badName = await tenant.call('POST', '/v1/messages', {
      contact_id: contactId,
      content: { text: 'x', template: { name: 'pedido_enviado', language: 'pt_BR', named_parameters: [{ name: 'Nome Completo', text: 'Bia' }] } },
    });
    expect(badName.status).toBe(400);
    // The simulator keeps only what Meta accepted: the refused send and the two 400s left nothing.
    expect(stack.sim.simulator.messages({ to: waId })).toHaveLength(1);
  });

  it('documents rendered_template in the OpenAPI document as a nullable object', async () => {
    const doc = (await (await fetch(`${api.url}/docs/openapi.json`)).json()) as any;
    const view = doc.components.schemas.ThreadMessageView;
    expect(view.required).toContain('rendered_template');
    const field = view.properties.rendered_template;
    expect(field.nullable).toBe(true);
    expect(JSON.stringify(field)).toContain('#/components/schemas/RenderedTemplateView');
    expect(doc.components.schemas.RenderedTemplateView.required).toEqual(expect.arrayContaining(['name', 'language', 'header', 'body', 'footer', 'buttons']));
  });
});
