import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import type { Client } from '@temporalio/client';
import { signWebhook } from '../src/whatsapp/signature';
import { keywordCallbackWorkflowId } from '../workflows/keyword-callback.workflow';
import { canonicalEvent, FunnelRows } from './support/funnel-rows';
import { inboundTextWebhook } from './support/payloads';
import { openEventStream } from './support/sse';
import { createTenant, eventually, randomWaId, startApi, startWorker, temporalClient, testConfig, type RunningApi } from './support/stack';

interface Recorded {
  path: string;
  headers: IncomingMessage['headers'];
  raw: string;
}

/**
 * Replies to funnel messages through the real WhatsApp webhook: the message replied to is marked,
 * a reply keyword (typed, or a quick-reply button) opens a conversation for the contact's agent
 * (realtime) and calls the store's callback durably — signed, retried on 5xx, not on 4xx — against
 * a local server that checks the signature.
 */
describe('reply keywords', () => {
  let api: RunningApi;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let config: ReturnType<typeof testConfig>;
  let pool: Pool;
  let rows: FunnelRows;
  let temporal: Client;
  let server: Server;
  let serverUrl: string;
  const received: Recorded[] = [];
  const answers: Record<string, number[]> = { '/flaky': [503, 200], '/refuses': [400] };

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ path: req.url ?? '', headers: req.headers, raw: Buffer.concat(chunks).toString('utf8') });
        const queue = answers[req.url ?? ''] ?? [404];
        res.writeHead(queue.length > 1 ? queue.shift()! : queue[0]).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    config = testConfig({ KEYWORD_CALLBACK_SWEEP: '100ms', KEYWORD_CALLBACK_RETRY_INTERVAL: '100ms', KEYWORD_CALLBACK_RETRY_MAX_INTERVAL: '200ms', KEYWORD_CALLBACK_TIMEOUT: '5s' });
    api = await startApi(config);
    worker = await startWorker(config);
    temporal = await temporalClient(config);
    pool = new Pool({ connectionString: config.databaseUrl, max: 2 });
    rows = new FunnelRows(pool);
  });
  afterAll(async () => {
    await pool.end();
    await api.close();
    await worker.stop();
    await temporal.connection.close();
    await new Promise((resolve) => server.close(resolve));
  });

  type Tenant = Awaited<ReturnType<typeof createTenant>>;

  /** A store with rules, and one funnel message just sent to a new contact. */
  async function alertSent(tenant: Tenant, rules: Record<string, unknown>) {
    const store = await tenant.call('POST', '/v1/stores', { platform: 'generic', name: 'Banco', channel_account_id: tenant.numberId, secrets: { callback_secret: 'segredo-da-loja' } });
    expect(store.status).toBe(201);
    const storeId: string = store.body.id;
    await pool.query('UPDATE stores SET rules = $2 WHERE id = $1', [storeId, JSON.stringify(rules)]);
    const waId = randomWaId();
    const contactId = await rows.contact(tenant.accountId, waId, 'Maria Silva');
    const funnelId = await rows.funnel({ accountId: tenant.accountId, storeId, contactId, funnel: 'payment_approved', subject: 'order-77', event: canonicalEvent('payment_approved', 'order-77', '129990') });
    const notificationId = await rows.notification({
      accountId: tenant.accountId, storeId, channelAccountId: tenant.numberId, contactId, funnelId, step: 0, eventType: 'payment_approved', state: 'sent',
      sentAt: new Date(Date.now() - 60_000), dispatch: { attempts: [{ channel: 'whatsapp', channelAccountId: tenant.numberId, receipts: ['sent', 'delivered'] }], finished: 'delivered' },
    });
    return { storeId, waId, contactId, notificationId };
  }

  async function reply(tenant: Tenant, waId: string, message: Record<string, unknown>) {
    const hook = inboundTextWebhook(tenant.phoneNumberId, waId, 'x', 'x');
    const wamid = `wamid.kw${Date.now()}${Math.random().toString(36).slice(2)}`;
    (hook.entry[0].changes[0].value.messages as unknown[]) = [{ from: waId, id: wamid, timestamp: String(Math.floor(Date.now() / 1000)), ...message }];
    const raw = JSON.stringify(hook);
    const res = await fetch(`${api.url}/v1/webhooks/whatsapp`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWebhook(raw, config.whatsapp.appSecret) }, body: raw });
    expect(res.status).toBe(200);
  }

  const triggers = async (tenant: Tenant, storeId: string) => (await tenant.call('GET', `/v1/stores/${storeId}/keyword-triggers`)).body as Array<Record<string, any>>;

  async function finished(storeId: string, tenant: Tenant, state: string) {
    return eventually(async () => {
      const [t] = await triggers(tenant, storeId);
      return t?.callback.state === state ? t : undefined;
    }, 20_000, `callback ${state}`);
  }

  it("a quick-reply button titled as a keyword opens a conversation for the contact's agent and calls the store, retrying its 5xx", async () => {
    const tenant = await createTenant(api, config);
    const { storeId, waId, contactId, notificationId } = await alertSent(tenant, { keywords: [{ words: ['FRAUDE', 'NÃO FUI EU'], callback_url: `${serverUrl}/flaky` }] });
    const agent = (await tenant.call('POST', '/v1/agents', { name: 'Ana', email: `ana${Date.now()}@example.com` })).body;
    await pool.query('UPDATE contacts SET assigned_agent_id = $3 WHERE account_id = $1 AND id = $2', [tenant.accountId, contactId, agent.agent.id]);
    const stream = openEventStream(await fetch(`${api.url}/v1/events?access_token=${agent.api_key.key}`));
    await stream.waitFor((e) => e.event === 'ready');

    await reply(tenant, waId, { type: 'button', button: { payload: 'NAO_FUI_EU', text: 'Nao  fui eu' } });

    const opened = (await stream.waitFor((e) => e.event === 'conversation.opened', 15_000)).pop()!;
    await stream.close();
    expect(opened.data).toMatchObject({
      reason: 'keyword_reply',
      store_id: storeId,
      keyword: 'NÃO FUI EU',
      contact: { id: contactId, name: 'Maria Silva' },
      message: { channel: 'whatsapp', text: 'Nao  fui eu' },
      notification: { id: notificationId, event_type: 'payment_approved', step: 0 },
      store_event: { type: 'payment_approved', order_id: 'order-77', amount: { amountMinor: '129990', currency: 'BRL' } },
    });

    const trigger = await finished(storeId, tenant, 'delivered');
    expect(trigger).toMatchObject({
      keyword: 'NÃO FUI EU',
      text: 'Nao  fui eu',
      agent_id: agent.agent.id,
      opened_conversation: true,
      contact: { id: contactId, name: 'Maria Silva', phone: `+${waId}`, email: null },
      notification: { id: notificationId, event_type: 'payment_approved', step: 0 },
      callback: { state: 'delivered', status: 200, url: `${serverUrl}/flaky` },
    });
    const calls = received.filter((r) => r.path === '/flaky');
    expect(calls).toHaveLength(2);
    // The retry sends the same signed body.
    expect(calls[1].raw).toBe(calls[0].raw);
    const signature = createHmac('sha256', 'segredo-da-loja').update(calls[1].raw).digest('hex');
    expect(calls[1].headers['x-recado-signature']).toBe(`sha256=${signature}`);
    const body = JSON.parse(calls[1].raw);
    expect(body).toEqual({
      event: 'keyword_reply',
      id: trigger.id,
      store_id: storeId,
      keyword: 'NÃO FUI EU',
      contact: { id: contactId, name: 'Maria Silva', phone: `+${waId}`, email: null },
      notification: { id: notificationId, event_type: 'payment_approved', order_id: 'order-77', step: 0 },
      message: { id: trigger.message_id, text: 'Nao  fui eu' },
      at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
    const { rows: [n] } = await pool.query('SELECT replied_at FROM notifications WHERE id = $1', [notificationId]);
    expect(n.replied_at).not.toBeNull();
    // The workflow ends with the outcome it recorded.
    expect(await temporal.workflow.getHandle(keywordCallbackWorkflowId(trigger.id)).result()).toEqual({ state: 'delivered', status: 200, error: null });
  });

  it('a typed keyword whose callback answers 4xx is not retried; other replies only mark the message replied', async () => {
    const tenant = await createTenant(api, config);
    const rules = { keywords: [{ words: ['fraude'] }], callback_url: `${serverUrl}/refuses` };
    const first = await alertSent(tenant, rules);
    await reply(tenant, first.waId, { type: 'text', text: { body: '  FRAUDE! ' } });
    const trigger = await finished(first.storeId, tenant, 'rejected');
    expect(trigger).toMatchObject({ keyword: 'fraude', agent_id: null, callback: { state: 'rejected', status: 400 } });
    expect(received.filter((r) => r.path === '/refuses')).toHaveLength(1);
    expect(await temporal.workflow.getHandle(keywordCallbackWorkflowId(trigger.id)).result()).toMatchObject({ state: 'rejected', status: 400 });

    const second = await alertSent(tenant, rules);
    await reply(tenant, second.waId, { type: 'text', text: { body: 'foi fraude mesmo?' } });
    await eventually(async () => ((await pool.query('SELECT 1 FROM notifications WHERE id = $1 AND replied_at IS NOT NULL', [second.notificationId])).rowCount ? true : undefined));
    expect(await triggers(tenant, second.storeId)).toEqual([]);
  });
});
