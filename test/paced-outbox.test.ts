import { WorkflowNotFoundError } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { wallClockAt } from '../src/calls/policy/zoned-time';
import { OutboxService } from '../src/funnels/outbox/outbox.service';
import { dayBounds, quietHoursEnd } from '../src/funnels/outbox/zones';
import { startWhatsAppSimulator, type RunningWhatsAppSimulator } from '../src/simulators/whatsapp/server';
import { instanceOutboxWorkflow, instanceOutboxWorkflowId } from '../workflows/instance-outbox.workflow';
import { createTenant, eventually, randomWaId, startApi, startWorker, temporalClient, testConfig, type RunningApi } from './support/stack';

/**
 * The paced outbox on the real stack: two worker processes' worth of workers, the API, Postgres,
 * Temporal and the WhatsApp simulator. Notifications are queued with SQL (as the funnels do) and
 * their instance's outbox woken; the rules' outcomes are read back from the rows and the API.
 */
describe('the paced outbox', () => {
  let sim: RunningWhatsAppSimulator;
  let api: RunningApi;
  let config: ReturnType<typeof testConfig>;
  let pool: Pool;
  let workers: Array<Awaited<ReturnType<typeof startWorker>>>;
  let temporal: Awaited<ReturnType<typeof temporalClient>>;
  const started: string[] = [];
  const dispatched: string[] = [];

  beforeAll(async () => {
    sim = await startWhatsAppSimulator({ webhookUrl: null, statusDelayMs: 50, pairRateLimit: false });
    config = testConfig({
      WHATSAPP_GRAPH_URL: sim.url,
      DISPATCH_RECEIPT_TIMEOUT: '3s',
      OUTBOX_MIN_INTERVAL: '200ms',
      OUTBOX_IDLE_AFTER: '3s',
      OUTBOX_SWEEP_EVERY: '1s',
      PLANS: JSON.stringify({
        standard: { daily_limit: null, over_limit: 'wait' },
        one_then_wait: { daily_limit: 1, over_limit: 'wait' },
        one_then_refuse: { daily_limit: 1, over_limit: 'refuse' },
      }),
    });
    api = await startApi(config);
    sim.simulator.setWebhookUrl(`${api.url}/v1/webhooks/whatsapp`);
    pool = new Pool({ connectionString: config.databaseUrl });
    temporal = await temporalClient(config);
    // Two workers on one task queue, as two worker processes would be.
    workers = [await startWorker(config), await startWorker(config)];
  });
  afterAll(async () => {
    // Every routed message finishes (delivered by the simulator) before the workers stop.
    await eventually(async () => {
      const { rows } = await pool.query(`SELECT count(*)::int AS n FROM dispatches WHERE id = ANY($1) AND state = 'routing'`, [dispatched]);
      return rows[0].n === 0 ? true : undefined;
    }, 30_000, 'the routed messages to finish');
    for (const id of started) {
      try {
        await temporal.workflow.getHandle(id).terminate('test finished');
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    }
    for (const w of workers) await w.stop();
    await temporal.connection.close();
    await pool.end();
    await api.close();
    await sim.close();
  });

  type Tenant = Awaited<ReturnType<typeof createTenant>>;

  async function shop(opts: { plan?: string; rules?: object } = {}) {
    const tenant = await createTenant(api, config);
    started.push(instanceOutboxWorkflowId(tenant.numberId));
    if (opts.plan) await pool.query('UPDATE accounts SET plan = $2 WHERE id = $1', [tenant.accountId, opts.plan]);
    const store = await tenant.call('POST', '/v1/stores', { platform: 'generic', name: 'Loja', channel_account_id: tenant.numberId, secrets: { webhook_secret: 's' } });
    expect(store.status).toBe(201);
    if (opts.rules) expect((await tenant.call('PUT', `/v1/stores/${store.body.id}/rules`, opts.rules)).status).toBe(200);
    return { ...tenant, storeId: store.body.id as string };
  }
  type Shop = Awaited<ReturnType<typeof shop>>;

  async function customer(tenant: Tenant, opts: { optIns?: Record<string, boolean>; timeZone?: string } = {}) {
    const waId = randomWaId();
    const contact = await tenant.call('POST', '/v1/contacts', { name: 'Maria', identities: [{ type: 'whatsapp', value: waId }], opt_ins: opts.optIns });
    expect(contact.status).toBe(201);
    if (opts.timeZone) await pool.query('UPDATE contacts SET time_zone = $2 WHERE id = $1', [contact.body.id, opts.timeZone]);
    return { id: contact.body.id as string, waId };
  }

  /** What a funnel does: a funnel row, a queued notification for the store's instance. */
  async function queue(s: Shop, contactId: string, opts: { category?: string; expiresInMs?: number } = {}): Promise<string> {
    const funnelId = `test-funnel-${randomUUID()}`;
    await pool.query(
      `INSERT INTO funnels (id, account_id, store_id, contact_id, funnel, subject, state, event) VALUES ($1, $2, $3, $4, 'order_shipped', $1, 'running', '{}')`,
      [funnelId, s.accountId, s.storeId, contactId],
    );
    const id = randomUUID();
    const content = { text: 'Olá Maria, seu pedido #9 foi atualizado: enviado.', template: { name: 'pedido_atualizado', language: 'pt_BR', parameters: ['Maria', '#9', 'enviado'] } };
    await pool.query(
      `INSERT INTO notifications (id, account_id, store_id, channel_account_id, contact_id, funnel_id, step, event_type, category, content, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, 0, 'order_shipped', $7, $8, now() + make_interval(secs => $9 / 1000.0))`,
      [id, s.accountId, s.storeId, s.numberId, contactId, funnelId, opts.category ?? 'utility', content, opts.expiresInMs ?? 3_600_000],
    );
    return id;
  }

  const wake = (s: Shop) => api.app.get(OutboxService).wake(s.accountId, s.numberId);
  const row = async (id: string) => (await pool.query('SELECT * FROM notifications WHERE id = $1', [id])).rows[0];
  const settled = (id: string, state: string) =>
    eventually(async () => {
      const n = await row(id);
      if (n.dispatch_id) dispatched.push(n.dispatch_id);
      return n.state === state ? n : undefined;
    }, 30_000, `notification ${id} to be ${state}`);
  const waiting = (id: string, reason: string) =>
    eventually(async () => {
      const n = await row(id);
      return n.state === 'queued' && n.reason?.includes(reason) ? n : undefined;
    }, 30_000, `notification ${id} to wait for ${reason}`);
  const delivered = (s: Shop, dispatchId: string) =>
    eventually(async () => ((await s.call('GET', `/v1/dispatches/${dispatchId}`)).body.state === 'delivered' ? true : undefined), 30_000, 'delivery');

  it('never sends two messages of one instance closer than its interval, with two workers and two overlapping outbox runs', async () => {
    const s = await shop({ rules: { min_interval: 'PT1.5S' } });
    const contacts = [await customer(s), await customer(s), await customer(s)];
    const ids = [];
    for (const c of contacts) ids.push(await queue(s, c.id));
    // A second run of the outbox for the same instance (as if a wake raced a continue-as-new).
    const overlapId = `${instanceOutboxWorkflowId(s.numberId)}-overlap`;
    started.push(overlapId);
    await temporal.workflow.start(instanceOutboxWorkflow, { taskQueue: config.temporal.taskQueue, workflowId: overlapId, args: [{ accountId: s.accountId, channelAccountId: s.numberId }] });
    await wake(s);

    const sent = [];
    for (const id of ids) sent.push(await settled(id, 'sent'));
    const times = sent.map((n) => (n.sent_at as Date).getTime()).sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(1500);
    const pacing = (await pool.query('SELECT last_sent_at, sends FROM outbox_instances WHERE channel_account_id = $1', [s.numberId])).rows[0];
    expect(pacing).toEqual({ last_sent_at: new Date(times[2]), sends: '3' });
    for (const n of sent) await delivered(s, n.dispatch_id);
    for (const c of contacts) expect(sim.simulator.messages({ to: c.waId }).map((m) => m.type)).toEqual(['template']);

    const listed = (await s.call('GET', `/v1/stores/${s.storeId}/notifications?state=sent&limit=2`)).body;
    expect(listed).toHaveLength(2);
    expect(listed[0]).toMatchObject({ id: ids[2], state: 'sent', reason: null, dispatch_id: sent[2].dispatch_id, category: 'utility' });
    expect(new Date(listed[0].created_at).getTime()).toBeGreaterThanOrEqual(new Date(listed[1].created_at).getTime());
  });

  it('holds notifications while the instance is disconnected and sends them when it reconnects', async () => {
    const s = await shop();
    const c = await customer(s);
    const off = await s.call('POST', `/v1/channel-accounts/${s.numberId}/disconnect`);
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ id: s.numberId, connected: false, queued: 0 });
    const id = await queue(s, c.id);
    await wake(s);
    await waiting(id, 'held: instance disconnected');

    const on = await s.call('POST', `/v1/channel-accounts/${s.numberId}/connect`);
    expect(on.body).toMatchObject({ connected: true, disconnected_at: null, queued: 1 });
    const sent = await settled(id, 'sent');
    await delivered(s, sent.dispatch_id);
  });

  it('expires a notification still held at its expiry, with the reason', async () => {
    const s = await shop();
    const c = await customer(s);
    await s.call('POST', `/v1/channel-accounts/${s.numberId}/disconnect`);
    const id = await queue(s, c.id, { expiresInMs: 1500 });
    await wake(s);
    const expired = await settled(id, 'expired');
    expect(expired.reason).toMatch(/^instance disconnected; not sent within 1\.\d s$/);
    expect(sim.simulator.messages({ to: c.waId })).toEqual([]);
  });

  it("over a plan's daily limit: waits for the next day, or is refused, as the plan says", async () => {
    const waits = await shop({ plan: 'one_then_wait' });
    const refuses = await shop({ plan: 'one_then_refuse' });
    for (const s of [waits, refuses]) {
      const [a, b] = [await customer(s), await customer(s)];
      const firstId = await queue(s, a.id);
      await wake(s);
      const first = await settled(firstId, 'sent');
      const second = await queue(s, b.id);
      await wake(s);
      if (s === waits) {
        const n = await waiting(second, 'daily limit of 1 messages of plan one_then_wait reached');
        expect((n.not_before as Date).getTime()).toBe(dayBounds(config.outbox.timeZone, (first.sent_at as Date).getTime()).end);
      } else {
        expect((await settled(second, 'refused')).reason).toBe('daily limit of 1 messages of plan one_then_refuse reached');
      }
    }
  });

  it("caps messages per contact per day in the contact's zone; transactional alerts are exempt", async () => {
    const s = await shop({ rules: { frequency_cap: 1 } });
    const c = await customer(s, { timeZone: 'America/Manaus' });
    const first = await queue(s, c.id);
    await wake(s);
    const sent = await settled(first, 'sent');
    const second = await queue(s, c.id);
    const alert = await queue(s, c.id, { category: 'transactional' });
    await wake(s);
    const capped = await waiting(second, 'frequency cap: 1 messages a day');
    expect((capped.not_before as Date).getTime()).toBe(dayBounds('America/Manaus', (sent.sent_at as Date).getTime()).end);
    await settled(alert, 'sent');
  });

  it("waits out quiet hours in the contact's time zone; transactional alerts pass when the rule says so", async () => {
    const zone = 'America/Cuiaba';
    const hour = new Date(wallClockAt(zone, Date.now())).getUTCHours();
    const hh = (h: number) => `${String(h % 24).padStart(2, '0')}:00`;
    const quiet = { start: hh(hour), end: hh(hour + 2), transactional: true };
    const s = await shop({ rules: { quiet_hours: quiet } });
    const c = await customer(s, { timeZone: zone });
    const promo = await queue(s, c.id);
    const alert = await queue(s, c.id, { category: 'transactional' });
    const queuedAt = Date.now();
    await wake(s);
    const held = await waiting(promo, `quiet hours ${quiet.start}–${quiet.end} (${zone})`);
    // The instant the contact's clock next reads the end of the window: within two hours.
    const end = quietHoursEnd(zone, queuedAt, quiet.start, quiet.end);
    expect(end).toBeGreaterThan(queuedAt);
    expect(end! - queuedAt).toBeLessThanOrEqual(2 * 3_600_000);
    expect((held.not_before as Date).getTime()).toBe(end);
    await settled(alert, 'sent');
  });

  it('suppresses marketing to a contact without an opt-in and sends it to one who opted in', async () => {
    const s = await shop();
    const [without, withOptIn] = [await customer(s), await customer(s, { optIns: { 'whatsapp.marketing': true } })];
    const a = await queue(s, without.id, { category: 'marketing' });
    const b = await queue(s, withOptIn.id, { category: 'marketing' });
    await wake(s);
    expect((await settled(a, 'suppressed')).reason).toBe('no marketing opt-in');
    await settled(b, 'sent');
    const suppressed = (await s.call('GET', `/v1/stores/${s.storeId}/notifications?state=suppressed`)).body;
    expect(suppressed).toMatchObject([{ id: a, state: 'suppressed', reason: 'no marketing opt-in' }]);
  });

  it('validates and saves the whole rules object, naming the field; a deleted store is not found', async () => {
    const s = await shop();
    expect((await s.call('GET', `/v1/stores/${s.storeId}/rules`)).body).toEqual({});
    const rules = { min_interval: 'PT30S', frequency_cap: 3, quiet_hours: { start: '21:00', end: '08:00' }, keywords: [{ words: ['FRAUDE'], callback_url: 'https://loja.example/fraude' }] };
    expect((await s.call('PUT', `/v1/stores/${s.storeId}/rules`, rules)).body).toEqual(rules);
    expect((await s.call('GET', `/v1/stores/${s.storeId}/rules`)).body).toEqual(rules);
    for (const [bad, field] of [
      [{ quiet_hours: { start: '9pm', end: '08:00' } }, 'quiet_hours.start'],
      [{ min_interval: '20 seconds' }, 'min_interval'],
      [{ frequency_cap: 0 }, 'frequency_cap'],
      [{ keywords: [{ words: ['FRAUDE'], callback_url: 'not a url' }] }, 'keywords[0].callback_url'],
    ] as const) {
      const res = await s.call('PUT', `/v1/stores/${s.storeId}/rules`, bad);
      expect(res.status).toBe(422);
      expect(res.body.message).toContain(field);
    }
    expect((await s.call('GET', `/v1/stores/${s.storeId}/rules`)).body).toEqual(rules);

    await pool.query('UPDATE stores SET deleted_at = now() WHERE id = $1', [s.storeId]);
    expect((await s.call('GET', `/v1/stores/${s.storeId}/rules`)).status).toBe(404);
    expect((await s.call('GET', `/v1/stores/${s.storeId}/notifications`)).status).toBe(404);
    expect((await s.call('POST', `/v1/channel-accounts/${randomUUID()}/connect`)).status).toBe(404);
  });

  it("cancels a deleted store's queued notifications", async () => {
    const s = await shop();
    const c = await customer(s);
    await s.call('POST', `/v1/channel-accounts/${s.numberId}/disconnect`);
    const id = await queue(s, c.id);
    await wake(s);
    await waiting(id, 'held');
    await pool.query('UPDATE stores SET deleted_at = now() WHERE id = $1', [s.storeId]);
    await s.call('POST', `/v1/channel-accounts/${s.numberId}/connect`);
    expect((await settled(id, 'cancelled')).reason).toBe('store deleted');
  });
});
