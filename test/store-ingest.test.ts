import { createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Pool } from 'pg';
import { createPool } from '../src/db/database';
import { StoreWebhookHandler } from '../src/stores/store-webhook.handler';
import { InboundDeliveriesService } from '../src/webhooks/inbound-deliveries.service';
import { createTenant, eventually, startApi, testConfig, type RunningApi } from './support/stack';

const order = JSON.parse(fs.readFileSync(path.resolve(__dirname, 'fixtures/stores/shopify/sdk-order.json'), 'utf8')).order;

/**
 * Store webhooks are acknowledged once stored; processing follows in the background. What the
 * background did not do — the queue was full, processing failed — is stored, and the sweeper
 * (reprocessPending, called here instead of waiting WEBHOOK_SWEEP_EVERY) processes it. A deleted
 * store stops being accepted within WEBHOOK_LOOKUP_CACHE_TTL.
 */
describe('store webhook intake', () => {
  let pool: Pool;
  const apis: RunningApi[] = [];

  /** An API whose sweeper only runs when the test calls it, and takes deliveries of any age. */
  async function api(overrides: Record<string, string> = {}) {
    const config = testConfig({ WEBHOOK_SWEEP_EVERY: '1h', WEBHOOK_REPROCESS_AFTER: '0s', ...overrides });
    const running = await startApi(config);
    apis.push(running);
    pool ??= createPool(config.databaseUrl, 2);
    const tenant = await createTenant(running, config);
    const secret = 'shpss_intake';
    const created = await tenant.call('POST', '/v1/stores', { platform: 'shopify', name: 'Loja', channel_account_id: tenant.numberId, secrets: { webhook_secret: secret } });
    const store = created.body as { id: string; webhook_url: string };
    let n = 0;
    const post = () => {
      const body = JSON.stringify({ ...order, id: 9_100_000 + n, financial_status: 'paid', phone: '+55 11 98765-4321' });
      return fetch(store.webhook_url.replace(config.api.publicUrl, running.url), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-shopify-topic': 'orders/paid',
          'x-shopify-webhook-id': `intake-${store.id}-${n++}`,
          'x-shopify-hmac-sha256': createHmac('sha256', secret).update(body).digest('base64'),
        },
        body,
      });
    };
    const statuses = async () =>
      (await pool.query<{ status: string }>(`SELECT status FROM inbound_webhooks WHERE route_hint = $1 ORDER BY id`, [`shopify:${store.id}`])).rows.map((r) => r.status);
    const mapped = async () => (await pool.query(`SELECT 1 FROM store_events WHERE store_id = $1 AND status = 'mapped'`, [store.id])).rowCount;
    return { running, store, post, statuses, mapped, sweep: () => running.app.get(InboundDeliveriesService).reprocessPending() };
  }

  afterAll(async () => {
    for (const a of apis) await a.close();
    await pool?.end();
  });

  it('the background queue is bounded: what does not fit is acknowledged stored, and taken up once the queue has room', async () => {
    const { running, post, statuses, mapped } = await api({ WEBHOOK_QUEUE_MAX: '1', WEBHOOK_PROCESS_CONCURRENCY: '1' });
    const handler = running.app.get(StoreWebhookHandler);
    const original = handler.apply.bind(handler);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let first = true;
    // The first delivery holds the only processing slot until the test lets it go.
    const apply = jest.spyOn(handler, 'apply').mockImplementation(async (...args) => {
      if (first) {
        first = false;
        await released;
      }
      return original(...args);
    });
    try {
      for (let i = 0; i < 3; i++) expect((await post()).status).toBe(200); // running, waiting, overflowing
      expect(await statuses()).toEqual(['received', 'received', 'received']);
      const metrics = await (await fetch(`${running.url}/metrics`)).text();
      expect(metrics).toMatch(/recado_webhook_queue_overflow_total\{provider="store"\} 1\b/);
      release();
      await eventually(async () => ((await statuses()).every((s) => s === 'processed') ? true : undefined), 20_000, 'every delivery processed');
      expect(await mapped()).toBe(3);
    } finally {
      apply.mockRestore();
    }
  });

  it('a delivery whose processing fails is still acknowledged, kept as failed, and processed by the sweeper', async () => {
    const { running, post, statuses, mapped, sweep } = await api();
    const handler = running.app.get(StoreWebhookHandler);
    const apply = jest.spyOn(handler, 'apply').mockRejectedValueOnce(new Error('database went away'));
    try {
      expect((await post()).status).toBe(200);
      await eventually(async () => ((await statuses())[0] === 'failed' ? true : undefined), 20_000, 'the delivery to fail');
      expect(await mapped()).toBe(0);
      await sweep();
      expect(await statuses()).toEqual(['processed']);
      expect(await mapped()).toBe(1);
    } finally {
      apply.mockRestore();
    }
  });

  it('a deleted store stops being accepted within WEBHOOK_LOOKUP_CACHE_TTL', async () => {
    const { post, store } = await api({ WEBHOOK_LOOKUP_CACHE_TTL: '300ms' });
    expect((await post()).status).toBe(200);
    await pool.query('UPDATE stores SET deleted_at = now() WHERE id = $1', [store.id]);
    await eventually(async () => ((await post()).status === 404 ? true : undefined), 20_000, 'a 404 for the deleted store');
  });
});
