import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { Pool } from 'pg';
import { startWhatsAppSimulator, type RunningWhatsAppSimulator } from '../src/simulators/whatsapp/server';
import { pushSignature } from '../src/channels/app/push-signature';
import { funnelStepQuery } from '../workflows/funnel.workflow';
import { createTenant, eventually, startApi, startWorker, temporalClient, testConfig, type RunningApi } from './support/stack';

/**
 * Funnels through the API and the real Temporal server: store events (recado's generic format)
 * start funnels per store, customer and order or cart; each step's message goes to the outbox
 * on the store's schedule (short schedules here); payments, newer orders, "mark as paid", a
 * deleted or disconnected store end or pause them; repeats never queue a step twice.
 */
describe('funnels', () => {
  let api: RunningApi;
  let config: ReturnType<typeof testConfig>;
  let db: Pool;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let sim: RunningWhatsAppSimulator;
  const stores: Array<{ call: Tenant['call']; id: string; numberId: string }> = [];

  beforeAll(async () => {
    sim = await startWhatsAppSimulator({ webhookUrl: null, statusDelayMs: 50, pairRateLimit: false });
    config = testConfig({ WHATSAPP_GRAPH_URL: sim.url, FUNNEL_SWEEP_EVERY: '1s', OUTBOX_IDLE_AFTER: '2s', OUTBOX_SWEEP_EVERY: '1s', DISPATCH_RECEIPT_TIMEOUT: '3s' });
    api = await startApi(config);
    sim.simulator.setWebhookUrl(`${api.url}/v1/webhooks/whatsapp`);
    worker = await startWorker(config);
    db = new Pool({ connectionString: config.databaseUrl, max: 2 });
  });
  afterAll(async () => {
    // Deleting a store cancels its funnels: no workflow is left running.
    for (const s of stores) await s.call('DELETE', `/v1/stores/${s.id}`);
    await eventually(async () => {
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM funnels WHERE store_id = ANY($1) AND state IN ('starting', 'running')`, [stores.map((s) => s.id)]);
      return rows[0].n === 0 || undefined;
    });
    // Routed messages finish (the simulator delivers them); the stores' outboxes end.
    await eventually(async () => (await db.query(`SELECT count(*)::int AS n FROM dispatches d JOIN notifications n ON n.dispatch_id = d.id WHERE n.store_id = ANY($1) AND d.state = 'routing'`, [stores.map((s) => s.id)])).rows[0].n === 0 || undefined, 30_000, 'routed messages to finish');
    const temporal = await temporalClient(config);
    for (const s of stores) {
      await temporal.workflow.getHandle(`outbox-${s.numberId}`).terminate('test finished').catch((err: Error) => {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      });
    }
    await temporal.connection.close();
    await db.end();
    await worker.stop();
    await api.close();
    await sim.close();
  });

  type Tenant = Awaited<ReturnType<typeof createTenant>>;
  const SECRET = 'whsec_funnels';

  async function store(tenant: Tenant, funnels: Record<string, string[]> = {}) {
    const created = await tenant.call('POST', '/v1/stores', { platform: 'generic', name: 'Loja Funil', channel_account_id: tenant.numberId, secrets: { signing_secret: SECRET } });
    expect(created.status).toBe(201);
    const s = created.body as { id: string; webhook_url: string };
    stores.push({ call: tenant.call, id: s.id, numberId: tenant.numberId });
    expect((await tenant.call('PUT', `/v1/stores/${s.id}/rules`, { min_interval: 'PT0S', frequency_cap: 100 })).status).toBe(200);
    // The customer opted in to marketing (cart reminders are marketing).
    expect((await tenant.call('POST', '/v1/contacts', { name: 'Ana', identities: [{ type: 'whatsapp', value: '5511987650000' }], opt_ins: { marketing: true } })).status).toBe(201);
    for (const [funnel, steps] of Object.entries(funnels)) {
      const saved = await tenant.call('PUT', `/v1/stores/${s.id}/funnel-settings/${funnel}`, { enabled: true, steps: steps.map((after) => ({ after })), tail: 'PT1S', due_after: 'PT2S' });
      expect(saved.status).toBe(200);
    }
    // Linked to the simulator's approved Meta templates: outside the 24 h window they go as those.
    const templates: Array<[string, string, string, string]> = [
      ['cart_abandoned', 'marketing', 'Oi {{name}}, você esqueceu itens no carrinho. Finalize sua compra!', 'carrinho_abandonado'],
      ['boleto_issued', 'utility', 'Olá {{name}}, seu pedido {{order_id}} foi atualizado: {{store_name}}.', 'pedido_atualizado'],
      ['payment_approved', 'utility', 'Olá {{name}}, seu pedido {{order_id}} foi atualizado: {{store_name}}.', 'pedido_atualizado'],
    ];
    for (const [event, category, body, meta] of templates) {
      await db.query(`INSERT INTO store_templates (account_id, store_id, event_type, category, content, meta_template) VALUES ($1, $2, $3, $4, $5, $6)`, [
        tenant.accountId,
        s.id,
        event,
        category,
        { body },
        { name: meta, language: 'pt_BR', status: 'APPROVED' },
      ]);
    }
    return s;
  }

  async function post(s: { webhook_url: string }, event: Record<string, unknown>) {
    const body = JSON.stringify({ customer: { phone: '+5511987650000', name: 'Ana' }, ...event });
    const res = await fetch(s.webhook_url.replace(config.api.publicUrl, api.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-recado-signature': pushSignature(SECRET, body) },
      body,
    });
    expect(res.status).toBe(200);
  }

  const funnelsOf = async (storeId: string) =>
    (await db.query(`SELECT id, funnel, subject, state, step, reason FROM funnels WHERE store_id = $1 ORDER BY started_at, id`, [storeId])).rows;
  const queued = async (funnelId: string) =>
    (await db.query(`SELECT step, category, content FROM notifications WHERE funnel_id = $1 ORDER BY step`, [funnelId])).rows as Array<{ step: number; category: string; content: { text: string } }>;
  const until = <T>(what: string, check: () => Promise<T | undefined | false>) => eventually(async () => (await check()) || undefined, 30_000, what);

  it('an abandoned cart sends its reminders on the store schedule, one message per step, whatever the repeats', async () => {
    const tenant = await createTenant(api, config);
    const s = await store(tenant, { cart_abandoned: ['PT0S', 'PT1S', 'PT2S'] });
    const cart = { event: 'cart_abandoned', id: `cart-${randomUUID()}`, cart_id: 'c-100', artefacts: { checkout_url: 'https://loja.test/checkout/c-100' } };
    await Promise.all([post(s, cart), post(s, cart), post(s, cart)]);

    const [funnel] = await until('the cart funnel completes', async () => {
      const rows = await funnelsOf(s.id);
      return rows[0]?.state === 'completed' && rows;
    });
    expect(funnel).toMatchObject({ funnel: 'cart_abandoned', subject: 'c-100', id: `funnel-${s.id}-cart_abandoned-c-100`, reason: 'every step was sent' });
    const messages = await queued(funnel.id);
    expect(messages.map((m) => m.step)).toEqual([0, 1, 2]);
    expect(messages.every((m) => m.category === 'marketing')).toBe(true);
    expect(messages[0].content.text).toBe('Oi Ana, você esqueceu itens no carrinho. Finalize sua compra!');
    // Each went out once, through routing, on WhatsApp.
    const sent = await until('the three reminders are delivered', async () => {
      const { rows } = await db.query(
        `SELECT n.step, m.channel, m.state FROM notifications n JOIN messages m ON m.dispatch_id = n.dispatch_id WHERE n.funnel_id = $1 ORDER BY n.step`,
        [funnel.id],
      );
      return rows.length === 3 && rows.every((r) => r.state === 'delivered' || r.state === 'read') && rows;
    });
    expect(sent.map((r) => [r.step, r.channel])).toEqual([[0, 'whatsapp'], [1, 'whatsapp'], [2, 'whatsapp']]);

    const events = (await tenant.call('GET', `/v1/stores/${s.id}/events`)).body as Array<{ status: string; funnel_id: string | null }>;
    expect(events.filter((e) => e.status === 'mapped').map((e) => e.funnel_id)).toEqual([funnel.id]);
    expect(events.filter((e) => e.status === 'duplicate')).toHaveLength(2);
  });

  it('order_paid stops the cart and the boleto reminders of that customer; payment_approved and order_paid are one approval', async () => {
    const tenant = await createTenant(api, config);
    const s = await store(tenant, { cart_abandoned: ['PT0S', 'PT1H'], boleto_issued: ['PT0S', 'PT1H'] });
    await post(s, { event: 'cart_abandoned', cart_id: 'c-200' });
    await until('the cart reminder is queued', async () => (await db.query(`SELECT count(*)::int AS n FROM notifications WHERE store_id = $1`, [s.id])).rows[0].n === 1);
    await post(s, { event: 'boleto_issued', order_id: '2001', artefacts: { boleto_url: 'https://banco.test/b/2001', due_at: '2099-01-01' } });
    await until('the first steps are queued', async () => (await db.query(`SELECT count(*)::int AS n FROM notifications WHERE store_id = $1`, [s.id])).rows[0].n === 2);
    const cart = (await funnelsOf(s.id)).find((f) => f.funnel === 'cart_abandoned')!;
    // The boleto is a newer order: the cart stopped.
    expect(cart).toMatchObject({ state: 'stopped', reason: 'the customer placed order 2001' });

    await post(s, { event: 'payment_approved', id: 'pa-2001', order_id: '2001' });
    await post(s, { event: 'order_paid', id: 'op-2001', order_id: '2001' });
    const rows = await until('the boleto funnel stops and the approval completes', async () => {
      const all = await funnelsOf(s.id);
      return all.find((f) => f.funnel === 'payment_approved')?.state === 'completed' && all;
    });
    expect(rows.find((f) => f.funnel === 'boleto_issued')).toMatchObject({ state: 'stopped', reason: 'order 2001 was paid' });
    const approvals = rows.filter((f) => f.funnel === 'payment_approved');
    expect(approvals).toHaveLength(1);
    expect((await queued(approvals[0].id)).map((m) => [m.step, m.category])).toEqual([[0, 'transactional']]);
    expect((await queued(rows.find((f) => f.funnel === 'boleto_issued')!.id)).map((m) => m.step)).toEqual([0]);
  });

  it('a payment that arrives before its boleto starts no reminder; "mark as paid" stops a running one', async () => {
    const tenant = await createTenant(api, config);
    const s = await store(tenant, { boleto_issued: ['PT0S', 'PT1H'] });
    await post(s, { event: 'order_paid', order_id: '3001' });
    await post(s, { event: 'boleto_issued', order_id: '3001' });
    const early = await until('the late boleto is recorded', async () => (await funnelsOf(s.id)).find((f) => f.funnel === 'boleto_issued'));
    expect(early).toMatchObject({ state: 'stopped', reason: 'order 3001 was paid' });
    expect(await queued(early.id)).toEqual([]);

    await post(s, { event: 'boleto_issued', order_id: '3002' });
    const running = await until('the boleto funnel sends its first step', async () => {
      const f = (await funnelsOf(s.id)).find((r) => r.subject === '3002');
      return f && (await queued(f.id)).length === 1 && f;
    });
    const marked = await tenant.call('POST', `/v1/stores/${s.id}/orders/3002/mark-paid`);
    expect(marked).toMatchObject({ status: 200, body: { order_id: '3002', stopped_funnels: [running.id] } });
    await until('the funnel ends', async () => (await funnelsOf(s.id)).find((r) => r.subject === '3002')?.state === 'stopped');
    expect((await tenant.call('POST', `/v1/stores/${s.id}/orders/3002/mark-paid`)).body).toEqual({ order_id: '3002', stopped_funnels: [] });
  });

  it('a disconnected store pauses its funnels; connected again they go on; a changed schedule applies at the next step', async () => {
    const tenant = await createTenant(api, config);
    const s = await store(tenant, { cart_abandoned: ['PT0S', 'PT1H'] });
    await post(s, { event: 'cart_abandoned', cart_id: 'c-400' });
    const funnel = await until('step 0 is queued', async () => {
      const f = (await funnelsOf(s.id))[0];
      return f && (await queued(f.id)).length === 1 && f;
    });
    expect((await tenant.call('POST', `/v1/stores/${s.id}/disconnect`)).body).toMatchObject({ connected: false });
    // Brought forward while disconnected: the funnel looks again, and waits for the store.
    expect((await tenant.call('PUT', `/v1/stores/${s.id}/funnel-settings/cart_abandoned`, { enabled: true, steps: [{ after: 'PT0S' }, { after: 'PT1S' }] })).status).toBe(200);
    // Step 1 is due now, but the funnel says it waits for the store.
    const temporal = await temporalClient(config);
    await until('the funnel waits for the store', async () => {
      const { waiting } = await temporal.workflow.getHandle(funnel.id).query(funnelStepQuery);
      return waiting === 'the store or its instance is disconnected';
    });
    await temporal.connection.close();
    expect(await queued(funnel.id)).toHaveLength(1);
    expect((await tenant.call('POST', `/v1/stores/${s.id}/connect`)).body).toMatchObject({ connected: true });
    await until('the funnel completes after the reconnect', async () => (await funnelsOf(s.id))[0].state === 'completed');
    expect((await queued(funnel.id)).map((m) => m.step)).toEqual([0, 1]);
  });

  it('deleting a store cancels its funnels and queued messages, and its webhook URL answers 404', async () => {
    const tenant = await createTenant(api, config);
    const s = await store(tenant, { cart_abandoned: ['PT0S', 'PT1H'] });
    await post(s, { event: 'cart_abandoned', cart_id: 'c-500' });
    await until('step 0 is queued', async () => (await db.query(`SELECT count(*)::int AS n FROM notifications WHERE store_id = $1`, [s.id])).rows[0].n === 1);
    expect((await tenant.call('DELETE', `/v1/stores/${s.id}`)).status).toBe(204);
    await until('the funnel is cancelled', async () => (await funnelsOf(s.id))[0].state === 'cancelled');
    expect((await funnelsOf(s.id))[0].reason).toBe('the store was deleted');
    const body = '{}';
    const hook = await fetch(s.webhook_url.replace(config.api.publicUrl, api.url), { method: 'POST', headers: { 'x-recado-signature': pushSignature(SECRET, body) }, body });
    expect(hook.status).toBe(404);
    expect((await tenant.call('GET', `/v1/stores/${s.id}`)).status).toBe(404);
    expect((await tenant.call('DELETE', `/v1/stores/${s.id}`)).status).toBe(404);
  });

  it('names the wrong field of a funnel schedule', async () => {
    const tenant = await createTenant(api, config);
    const s = await store(tenant);
    const bad = await tenant.call('PUT', `/v1/stores/${s.id}/funnel-settings/cart_abandoned`, { enabled: true, steps: [{ after: 'PT1H' }, { after: 'PT15M' }] });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body)).toContain('steps[1].after');
    expect((await tenant.call('PUT', `/v1/stores/${s.id}/funnel-settings/birthday`, { enabled: true, steps: [{ after: 'PT0S' }] })).status).toBe(400);
    const settings = (await tenant.call('GET', `/v1/stores/${s.id}/funnel-settings`)).body as { funnels: Record<string, { steps: Array<{ after: string }> }> };
    expect(settings.funnels.cart_abandoned.steps.map((x) => x.after)).toEqual(['PT15M', 'PT3H', 'P1D']);
  });

  it('a cancelled order stops its boleto reminders; a cancellation before its boleto starts none', async () => {
    const tenant = await createTenant(api, config);
    const s = await store(tenant, { boleto_issued: ['PT0S', 'PT1H'] });
    await post(s, { event: 'boleto_issued', order_id: '4001', artefacts: { boleto_url: 'https://banco.test/b/4001', due_at: '2099-01-01' } });
    const boleto = await until('the boleto funnel sends its first step', async () => {
      const f = (await funnelsOf(s.id)).find((r) => r.subject === '4001');
      return f && (await queued(f.id)).length === 1 && f;
    });
    await post(s, { event: 'order_cancelled', id: 'oc-4001', order_id: '4001' });
    const rows = await until('the boleto funnel stops and the cancellation funnel ends', async () => {
      const all = await funnelsOf(s.id);
      return all.find((f) => f.funnel === 'order_cancelled')?.state === 'completed' && all;
    });
    expect(rows.find((f) => f.id === boleto.id)).toMatchObject({ state: 'stopped', reason: 'order 4001 was cancelled' });
    expect((await queued(boleto.id)).map((m) => m.step)).toEqual([0]);
    // The store has no "order cancelled" template: that funnel says nothing.
    const cancelled = rows.find((f) => f.funnel === 'order_cancelled')!;
    expect(cancelled).toMatchObject({ subject: '4001' });
    expect(await queued(cancelled.id)).toEqual([]);

    await post(s, { event: 'order_cancelled', id: 'oc-4002', order_id: '4002' });
    await post(s, { event: 'boleto_issued', order_id: '4002', artefacts: { due_at: '2099-01-01' } });
    const late = await until('the late boleto is recorded', async () => (await funnelsOf(s.id)).find((f) => f.funnel === 'boleto_issued' && f.subject === '4002'));
    expect(late).toMatchObject({ state: 'stopped', reason: 'order 4002 was cancelled' });
    expect(await queued(late.id)).toEqual([]);
    await until('the second cancellation funnel ends', async () => (await funnelsOf(s.id)).find((f) => f.funnel === 'order_cancelled' && f.subject === '4002')?.state === 'completed');
  });
});
