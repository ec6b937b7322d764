import { WorkflowNotFoundError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Pool } from 'pg';
import { pushSignature } from '../src/channels/app/push-signature';
import { startWhatsAppSimulator, type RunningWhatsAppSimulator } from '../src/simulators/whatsapp/server';
import { WORKFLOW_BUNDLE } from '../src/worker';
import { HISTORIES, recordHistoryIfAsked } from './support/histories';
import { createTenant, eventually, spawnWorker, startApi, temporalClient, testConfig, type RunningApi } from './support/stack';

/**
 * The worker process is killed without warning in the middle of a funnel and another one takes
 * over: every step still reaches the customer, and none twice.
 */
describe('a funnel survives its worker', () => {
  let api: RunningApi;
  let sim: RunningWhatsAppSimulator;
  let config: ReturnType<typeof testConfig>;
  let db: Pool;
  let worker: ChildProcess | undefined;
  const workerEnv = { OUTBOX_MIN_INTERVAL: '200ms', OUTBOX_IDLE_AFTER: '2s', DISPATCH_RECEIPT_TIMEOUT: '3s' };

  beforeAll(async () => {
    sim = await startWhatsAppSimulator({ webhookUrl: null, statusDelayMs: 50, pairRateLimit: false });
    config = testConfig({ WHATSAPP_GRAPH_URL: sim.url, FUNNEL_SWEEP_EVERY: '1s', OUTBOX_SWEEP_EVERY: '1s', ...workerEnv });
    api = await startApi(config);
    sim.simulator.setWebhookUrl(`${api.url}/v1/webhooks/whatsapp`);
    db = new Pool({ connectionString: config.databaseUrl, max: 2 });
  });
  afterAll(async () => {
    worker?.kill('SIGKILL');
    await db.end();
    await api.close();
    await sim.close();
  });

  it('every step is sent exactly once across a kill -9 and a new worker', async () => {
    const tenant = await createTenant(api, config);
    const secret = 'whsec_crash';
    const store = (await tenant.call('POST', '/v1/stores', { platform: 'generic', name: 'Loja', channel_account_id: tenant.numberId, secrets: { signing_secret: secret } })).body as {
      id: string;
      webhook_url: string;
    };
    expect((await tenant.call('PUT', `/v1/stores/${store.id}/rules`, { min_interval: 'PT0S' })).status).toBe(200);
    expect((await tenant.call('PUT', `/v1/stores/${store.id}/funnel-settings/boleto_issued`, { enabled: true, steps: ['PT0S', 'PT4S', 'PT8S'].map((after) => ({ after })), tail: 'PT1S' })).status).toBe(200);
    await db.query(
      `INSERT INTO store_templates (account_id, store_id, event_type, category, content, meta_template) VALUES ($1, $2, 'boleto_issued', 'utility', $3, $4)`,
      [tenant.accountId, store.id, { body: 'Olá {{name}}, seu pedido {{order_id}} foi atualizado: {{boleto_url}}.' }, { name: 'pedido_atualizado', language: 'pt_BR', status: 'APPROVED' }],
    );
    worker = await spawnWorker(config, workerEnv);

    const body = JSON.stringify({
      event: 'boleto_issued',
      order_id: '9001',
      customer: { phone: '+5511987659001', name: 'Bia' },
      // Due after the last reminder: the funnel then waits the (1 s) tail for the payment and completes.
      artefacts: { boleto_url: 'https://banco.test/b/9001', due_at: new Date(Date.now() + 10_000).toISOString() },
    });
    const res = await fetch(store.webhook_url.replace(config.api.publicUrl, api.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-recado-signature': pushSignature(secret, body) },
      body,
    });
    expect(res.status).toBe(200);

    const sentSteps = async () =>
      (
        await db.query<{ step: number; messages: number }>(
          `SELECT n.step, count(m.id)::int AS messages FROM notifications n
            LEFT JOIN messages m ON m.dispatch_id = n.dispatch_id AND m.state IN ('delivered', 'read')
            WHERE n.store_id = $1 AND n.state = 'sent' GROUP BY n.step ORDER BY n.step`,
          [store.id],
        )
      ).rows;
    await eventually(async () => ((await sentSteps()).length === 1 ? true : undefined), 30_000, 'the first message');
    // Killed while the funnel waits for its second step; the next worker picks the funnel up.
    worker.kill('SIGKILL');
    await new Promise((resolve) => worker!.once('exit', resolve));
    worker = await spawnWorker(config, workerEnv);

    const funnel = await eventually(
      async () => (await db.query(`SELECT state, reason FROM funnels WHERE store_id = $1 AND state = 'completed'`, [store.id])).rows[0],
      60_000,
      'the funnel to complete',
    );
    expect(funnel.reason).toBe('not paid by the due date');
    const delivered = await eventually(async () => {
      const rows = await sentSteps();
      return rows.length === 3 && rows.every((r) => r.messages === 1) ? rows : undefined;
    }, 30_000, 'three messages delivered, one per step');
    expect(delivered).toEqual([
      { step: 0, messages: 1 },
      { step: 1, messages: 1 },
      { step: 2, messages: 1 },
    ]);
    // The simulator received exactly these three sends to the customer.
    const toCustomer = sim.simulator.messages({ to: '5511987659001' });
    expect(toCustomer).toHaveLength(3);

    const temporal = await temporalClient(config);
    // The funnel's history across the kill replays deterministically (RECORD_HISTORIES=1 keeps it for later versions).
    const funnelId = `funnel-${store.id}-boleto_issued-9001`;
    await Worker.runReplayHistory({ workflowBundle: { codePath: WORKFLOW_BUNDLE } }, await temporal.workflow.getHandle(funnelId).fetchHistory(), funnelId);
    recordHistoryIfAsked(config, funnelId, 'funnel.boleto-across-a-worker-kill.json');
    await temporal.workflow.getHandle(`outbox-${tenant.numberId}`).terminate('test finished').catch((err: Error) => {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    });
    await temporal.connection.close();
  }, 180_000);

  it('replays the recorded funnel histories without non-determinism', async () => {
    const files = fs.readdirSync(HISTORIES).filter((f) => f.startsWith('funnel.') && f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      await Worker.runReplayHistory({ workflowBundle: { codePath: WORKFLOW_BUNDLE } }, JSON.parse(fs.readFileSync(path.join(HISTORIES, file), 'utf8')), file);
    }
  });
});
