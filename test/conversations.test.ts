import { signWebhook } from '../src/whatsapp/signature';
import { inboundTextWebhook } from './support/payloads';
import { openEventStream } from './support/sse';
import { apiClient, createTenant, eventually, randomWaId } from './support/stack';
import { linkPedidoAtualizado, storeOn } from './support/stores';
import { startWhatsAppStack, type WhatsAppStack } from './support/whatsapp-stack';

const HOUR = 3_600_000;
type Tenant = Awaited<ReturnType<typeof createTenant>>;
type Conversation = {
  contact: { id: string; name: string | null; assigned_agent_id: string | null };
  channels: string[];
  last_message: { id: string; direction: string; channel: string; type: string; preview: string; state: string; at: string };
  unread_count: number;
  read_at: string | null;
  windows: Array<{ channel: string; channel_account_id: string; last_inbound_at: string; open: boolean; closes_at: string | null }>;
};

describe('conversations: the inbox, reply options and the live events it listens to', () => {
  let stack: WhatsAppStack;
  let api: WhatsAppStack['api'];
  let config: WhatsAppStack['config'];
  let sim: WhatsAppStack['sim'];
  let db: WhatsAppStack['db'];

  beforeAll(async () => {
    stack = await startWhatsAppStack();
    ({ api, config, sim, db } = stack);
  });
  afterAll(() => stack?.stop());

  /** A customer's message as Meta delivered it at `at` (an older one: the simulator's clock is now). */
  async function customerWroteAt(tenant: Tenant, waId: string, text: string, at: Date, name: string) {
    const hook = inboundTextWebhook(tenant.phoneNumberId, waId, `wamid.conv${Date.now()}${Math.random()}`, text, name);
    hook.entry[0].changes[0].value.messages[0].timestamp = String(Math.floor(at.getTime() / 1000));
    const raw = JSON.stringify(hook);
    const res = await fetch(`${api.url}/v1/webhooks/whatsapp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWebhook(raw, config.whatsapp.appSecret) },
      body: raw,
    });
    expect(res.status).toBe(200);
  }

  /** The customer writes now, through the WhatsApp simulator. */
  async function customerWrites(tenant: Tenant, waId: string, text: string, name: string) {
    sim.simulator.customerSendsMessage(waId, { phoneNumberId: tenant.phoneNumberId, text, name });
    await sim.simulator.settle();
  }

  async function inbox(call: Tenant['call'], query = ''): Promise<{ items: Conversation[]; next_cursor: string | null }> {
    const res = await call('GET', `/v1/conversations${query}`);
    expect(res.status).toBe(200);
    return res.body;
  }

  async function agentOf(tenant: Tenant, name: string) {
    const created = await tenant.call('POST', '/v1/agents', { name, email: `${name}${Date.now()}@example.com` });
    expect(created.status).toBe(201);
    return { id: created.body.agent.id as string, key: created.body.api_key.key as string };
  }

  it('lists conversations newest first across pages, with the window per number and unread counts per reader', async () => {
    const tenant = await createTenant(api, config);
    const [ana, bia, caio] = [randomWaId(), randomWaId(), randomWaId()];
    // Meta's timestamps are whole seconds: the customers write at clearly different times.
    await customerWroteAt(tenant, ana, 'Oi, ainda tem o produto?', new Date(Date.now() - 48 * HOUR), 'Ana');
    await customerWroteAt(tenant, bia, 'Quero trocar', new Date(Date.now() - 3 * HOUR), 'Bia');
    await customerWroteAt(tenant, caio, 'Meu pedido chegou?', new Date(Date.now() - HOUR), 'Caio');
    await customerWrites(tenant, bia, 'o tamanho do tênis', 'Bia');

    const all = await eventually(async () => {
      const page = await inbox(tenant.call);
      return page.items.length === 3 ? page : undefined;
    }, 20_000, 'three conversations');
    expect(all.items.map((c) => c.contact.name)).toEqual(['Bia', 'Caio', 'Ana']);
    const [b, c, a] = all.items;
    expect(b.last_message).toMatchObject({ direction: 'inbound', channel: 'whatsapp', type: 'text', preview: 'o tamanho do tênis', state: 'received' });
    expect(c.last_message.preview).toBe('Meu pedido chegou?');
    expect([b.unread_count, c.unread_count, a.unread_count]).toEqual([2, 1, 1]);
    expect(b.channels).toEqual(['whatsapp']);

    // The 24 h window: open for Caio (until his message + 24 h), closed for Ana (48 h ago).
    expect(c.windows).toHaveLength(1);
    expect(c.windows[0]).toMatchObject({ channel: 'whatsapp', channel_account_id: tenant.numberId, open: true });
    expect(Date.parse(c.windows[0].closes_at!) - Date.parse(c.windows[0].last_inbound_at)).toBe(24 * HOUR);
    expect(a.windows[0]).toMatchObject({ open: false, closes_at: null });

    // Pages follow the same order without repeats.
    const first = await inbox(tenant.call, '?limit=2');
    expect(first.items.map((x) => x.contact.name)).toEqual(['Bia', 'Caio']);
    const second = await inbox(tenant.call, `?limit=2&cursor=${first.next_cursor}`);
    expect(second.items.map((x) => x.contact.name)).toEqual(['Ana']);
    expect(second.next_cursor).toBeNull();

    expect((await inbox(tenant.call, '?channel=email')).items).toEqual([]);
    expect((await inbox(tenant.call, '?channel=whatsapp')).items).toHaveLength(3);
    const badCursor = await tenant.call('GET', '/v1/conversations?cursor=bm90LWEtY3Vyc29y');
    expect(badCursor.status).toBe(422);

    // assigned=me: the calling agent's contacts only; an API key acts for no agent.
    const agent = await agentOf(tenant, 'dora');
    const asAgent = apiClient(api.url, agent.key);
    expect((await tenant.call('PUT', `/v1/contacts/${b.contact.id}/assigned-agent`, { assigned_agent_id: agent.id })).status).toBe(200);
    const mine = await asAgent('GET', '/v1/conversations?assigned=me');
    expect(mine.status).toBe(200);
    expect(mine.body.items.map((x: Conversation) => x.contact.id)).toEqual([b.contact.id]);
    expect(mine.body.items[0].contact.assigned_agent_id).toBe(agent.id);
    const keyAsMe = await tenant.call('GET', '/v1/conversations?assigned=me');
    expect(keyAsMe.status).toBe(422);
    expect(keyAsMe.body.field).toBe('assigned');

    // Reading is per reader: the agent read Bia, the account's key has not.
    const read = await asAgent('POST', `/v1/conversations/${b.contact.id}/read`);
    expect(read.status).toBe(200);
    expect(read.body.contact_id).toBe(b.contact.id);
    expect((await asAgent('GET', '/v1/conversations?assigned=me')).body.items[0].unread_count).toBe(0);
    expect((await inbox(tenant.call)).items.find((x) => x.contact.id === b.contact.id)!.unread_count).toBe(2);
    expect((await asAgent('POST', `/v1/conversations/00000000-0000-4000-8000-000000000000/read`)).status).toBe(404);

    // The agent's reply to Ana (a template: her window closed) moves her conversation to the top.
    const reply = await asAgent('POST', '/v1/messages', {
      contact_id: a.contact.id,
      category: 'utility',
      content: { text: 'Olá Ana, seu pedido 7 foi atualizado: enviado.', template: { name: 'pedido_atualizado', language: 'pt_BR', parameters: ['Ana', '7', 'enviado'] } },
    });
    expect(reply.status).toBe(202);
    const after = await inbox(tenant.call);
    expect(after.items.map((x) => x.contact.name)).toEqual(['Ana', 'Bia', 'Caio']);
    expect(after.items[0].last_message).toMatchObject({ id: reply.body.id, direction: 'outbound', type: 'template', preview: 'Olá Ana, seu pedido 7 foi atualizado: enviado.' });
    expect(after.items[0].unread_count).toBe(1);
    await eventually(async () => {
      const m = await tenant.call('GET', `/v1/messages/${reply.body.id}`);
      return ['delivered', 'read'].includes(m.body.state) || undefined;
    }, 20_000, 'the reply delivered');
  });

  it('puts conversations whose messages share a Meta timestamp second in arrival order, newest first, and pages across the tie', async () => {
    const tenant = await createTenant(api, config);
    // Known to recado already, so their ids are known before they write: they write in descending
    // id order, the opposite of what a tie broken by contact id would show.
    const people: Array<{ name: string; waId: string; id: string }> = [];
    for (const name of ['Lia', 'Mel', 'Noa']) {
      const waId = randomWaId();
      const created = await tenant.call('POST', '/v1/contacts', { name, identities: [{ type: 'whatsapp', value: waId }] });
      expect(created.status).toBe(201);
      people.push({ name, waId, id: created.body.id as string });
    }
    people.sort((a, b) => b.id.localeCompare(a.id));
    const older = { name: 'Olga', waId: randomWaId() };
    await customerWroteAt(tenant, older.waId, 'Bom dia', new Date(Date.now() - HOUR), older.name);

    // The same second for all three (Meta's timestamps are whole seconds), each stored before the next is sent.
    const second = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
    for (const person of people) {
      await customerWroteAt(tenant, person.waId, `Oi, aqui é ${person.name}`, second, person.name);
      await eventually(async () => {
        const page = await inbox(tenant.call);
        return page.items.some((c) => c.contact.id === person.id) || undefined;
      }, 20_000, `${person.name}'s conversation`);
    }
    const expected = [...people.map((p) => p.id).reverse(), expect.any(String)];
    const all = await inbox(tenant.call);
    expect(all.items.map((c) => c.contact.id)).toEqual(expected);
    expect(all.items.slice(0, 3).map((c) => c.last_message.at)).toEqual(Array(3).fill(second.toISOString()));
    expect(all.items[3].contact.name).toBe(older.name);

    // Pages of one and of two: every conversation once, in the same order, across the tie.
    for (const limit of [1, 2]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<typeof inbox>> = await inbox(tenant.call, `?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.items.length).toBeLessThanOrEqual(limit);
        seen.push(...page.items.map((c) => c.contact.id));
        cursor = page.next_cursor;
      } while (cursor);
      expect(seen).toEqual(all.items.map((c) => c.contact.id));
    }

    // A late delivery of an older message leaves its conversation where it was.
    await customerWroteAt(tenant, people[2].waId, 'mensagem atrasada', new Date(second.getTime() - 30 * 60_000), people[2].name);
    await eventually(async () => {
      const thread = await tenant.call('GET', `/v1/contacts/${people[2].id}/thread`);
      return JSON.stringify(thread.body).includes('mensagem atrasada') || undefined;
    }, 20_000, 'the late message stored');
    expect((await inbox(tenant.call)).items.map((c) => c.contact.id)).toEqual(all.items.map((c) => c.contact.id));

    // A cursor of the earlier order (instant and contact id) is refused, naming cursor.
    const oldCursor = Buffer.from(JSON.stringify({ t: '2026-12-07T10:00:00.000000Z', c: people[0].id })).toString('base64url');
    const refused = await tenant.call('GET', `/v1/conversations?cursor=${oldCursor}`);
    expect(refused.status).toBe(422);
    expect(refused.body.field).toBe('cursor');
  });

  it("says per channel account whether a reply may be free-form or only a template, and why, with the number's approved templates", async () => {
    const tenant = await createTenant(api, config);
    const [late, recent] = [randomWaId(), randomWaId()];
    await customerWroteAt(tenant, late, 'Olá', new Date(Date.now() - 30 * HOUR), 'Eva');
    await customerWrites(tenant, recent, 'Oi!', 'Fábio');
    const conversations = await eventually(async () => {
      const page = await inbox(tenant.call);
      return page.items.length === 2 ? page.items : undefined;
    }, 20_000, 'two conversations');
    const [fabio, eva] = conversations;

    // A store on the number linked an approved Meta template (as the store templates API records it).
    const store = await storeOn(tenant);
    await linkPedidoAtualizado(db, tenant, store.id);

    const closed = await tenant.call('GET', `/v1/contacts/${eva.contact.id}/reply-options`);
    expect(closed.status).toBe(200);
    expect(closed.body.default_channel_account_id).toBe(tenant.numberId);
    expect(closed.body.options).toEqual([
      {
        channel: 'whatsapp',
        channel_account_id: tenant.numberId,
        channel_account_name: expect.any(String),
        mode: 'template_only',
        reason: 'window_closed',
        last_inbound_at: expect.any(String),
        window_closes_at: null,
        templates: [{ name: 'pedido_atualizado', language: 'pt_BR', category: 'UTILITY', body_text: 'Olá {{1}}, seu pedido {{2}} foi atualizado: {{3}}.', parameter_count: 3 }],
      },
    ]);
    // What the options say is what POST /v1/messages does: free-form refused, the template goes.
    const freeForm = await tenant.call('POST', '/v1/messages', { contact_id: eva.contact.id, content: { text: 'Oi Eva' } });
    expect(freeForm.status).toBe(422);
    const template = await tenant.call('POST', '/v1/messages', {
      contact_id: eva.contact.id,
      category: 'utility',
      content: { text: 'Olá Eva, seu pedido 12 foi atualizado: enviado.', template: { name: 'pedido_atualizado', language: 'pt_BR', parameters: ['Eva', '12', 'enviado'] } },
    });
    expect(template.status).toBe(202);
    expect(template.body.type).toBe('template');

    const open = await tenant.call('GET', `/v1/contacts/${fabio.contact.id}/reply-options`);
    expect(open.body.options).toHaveLength(1);
    const option = open.body.options[0];
    expect(option).toMatchObject({ mode: 'free_form', reason: 'window_open' });
    expect(Date.parse(option.window_closes_at) - Date.parse(option.last_inbound_at)).toBe(24 * HOUR);

    // Known by WhatsApp but never wrote; opted out of replies on WhatsApp.
    const silent = await tenant.call('POST', '/v1/contacts', { name: 'Gil', identities: [{ type: 'whatsapp', value: randomWaId() }] });
    expect(silent.status).toBe(201);
    const never = await tenant.call('GET', `/v1/contacts/${silent.body.id}/reply-options`);
    expect(never.body).toMatchObject({ default_channel_account_id: null, options: [{ mode: 'template_only', reason: 'never_wrote', last_inbound_at: null }] });
    const refused = await tenant.call('POST', '/v1/contacts', { name: 'Hugo', identities: [{ type: 'whatsapp', value: randomWaId() }], opt_ins: { whatsapp: false } });
    expect(refused.status).toBe(201);
    expect((await tenant.call('GET', `/v1/contacts/${refused.body.id}/reply-options`)).body.options[0]).toMatchObject({ mode: 'none', reason: 'opted_out' });

    expect((await tenant.call('GET', '/v1/contacts/00000000-0000-4000-8000-000000000000/reply-options')).status).toBe(404);
    expect((await tenant.call('GET', '/v1/contacts/not-a-uuid/reply-options')).status).toBe(400);
    await eventually(async () => {
      const m = await tenant.call('GET', `/v1/messages/${template.body.id}`);
      return ['delivered', 'read'].includes(m.body.state) || undefined;
    }, 20_000, 'the template delivered');
  });

  it("streams a customer's message to the agents' inbox over SSE read with an Authorization header", async () => {
    const tenant = await createTenant(api, config);
    const agent = await agentOf(tenant, 'ivo');
    const res = await fetch(`${api.url}/v1/events`, { headers: { authorization: `Bearer ${agent.key}` } });
    expect(res.status).toBe(200);
    const stream = openEventStream(res);
    try {
      await stream.waitFor((e) => e.event === 'ready');
      const waId = randomWaId();
      await customerWrites(tenant, waId, 'Alguém aí?', 'Júlia');
      // Both are sent on the commit that stored the message, the inbox's first (the trigger runs at the insert).
      const events = await stream.waitFor((e) => e.event === 'message.received');
      const received = events[events.length - 1];
      const updated = events.find((e) => e.event === 'conversation.updated');
      expect(received.data).toMatchObject({ channel: 'whatsapp', type: 'text' });
      expect(updated?.data).toMatchObject({ contact_id: received.data.contact_id, message_id: received.data.message_id, direction: 'inbound', channel: 'whatsapp' });
      const [first] = (await inbox(tenant.call)).items;
      expect(first.contact.id).toBe(received.data.contact_id);
      expect(first.last_message.preview).toBe('Alguém aí?');
    } finally {
      await stream.close();
    }
  });
});
