import { randomBytes, randomInt } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { WORKFLOW_BUNDLE } from '../src/worker';
import { dispatchWorkflowId } from '../workflows/dispatch.workflow';
import { HISTORIES, recordHistoryIfAsked } from './support/histories';
import { startFcmSimulator, type RunningFcmSimulator } from '../src/simulators/fcm/server';
import { startTelegramSimulator, type RunningTelegramSimulator } from '../src/simulators/telegram/server';
import { startWhatsAppSimulator, type RunningWhatsAppSimulator } from '../src/simulators/whatsapp/server';
import { createTenant, eventually, randomWaId, startApi, startWorker, temporalClient, testConfig, type RunningApi } from './support/stack';

const keyFile = fs.readFileSync(path.resolve(__dirname, 'fixtures/fcm/mock.key.json'), 'utf8');

/**
 * A routed marketing message walking its plan across three real drivers and their simulators:
 * the app push fails (the token was uninstalled), WhatsApp accepts the free-form conversion but
 * no delivery receipt arrives in time (a Temporal timer), Telegram carries it. Each channel is
 * tried once; nothing goes twice on one channel.
 */
describe('routing falls back across channels', () => {
  let wa: RunningWhatsAppSimulator;
  let tg: RunningTelegramSimulator;
  let fcm: RunningFcmSimulator;
  let api: RunningApi;
  let config: ReturnType<typeof testConfig>;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let temporal: Client;

  beforeAll(async () => {
    wa = await startWhatsAppSimulator({ webhookUrl: null, statusDelayMs: 50, pairRateLimit: false });
    tg = await startTelegramSimulator({ webhookRetryDelayMs: 100 });
    fcm = await startFcmSimulator({ serviceAccounts: [JSON.parse(keyFile)] });
    config = testConfig({
      WHATSAPP_GRAPH_URL: wa.url,
      TELEGRAM_API_URL: tg.url,
      FCM_API_URL: fcm.url,
      FCM_TOKEN_URL: `${fcm.url}/token`,
      DISPATCH_RECEIPT_TIMEOUT: '3s',
    });
    api = await startApi(config);
    wa.simulator.setWebhookUrl(`${api.url}/v1/webhooks/whatsapp`);
    worker = await startWorker(config);
    temporal = await temporalClient(config);
  });
  afterAll(async () => {
    await worker.stop();
    await temporal.connection.close();
    await api.close();
    await Promise.all([wa.close(), tg.close(), fcm.close()]);
  });

  it('app push refused → WhatsApp without a receipt in time → Telegram, each channel once', async () => {
    const tenant = await createTenant(api, config);
    const { call } = tenant;

    // The shop's bot, connected by webhook; the customer starts the chat.
    const bot = tg.simulator.addBot();
    const secret = randomBytes(18).toString('base64url');
    const botAccount = await call('POST', '/v1/channel-accounts', {
      channel: 'telegram',
      name: 'Loja bot',
      address: String(bot.id),
      settings: { delivery: 'webhook' },
      secrets: { bot_token: bot.token, webhook_secret: secret },
    });
    expect(botAccount.status).toBe(201);
    await fetch(`${tg.url}/bot${bot.token}/setWebhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: `${api.url}/v1/webhooks/telegram/${botAccount.body.id}`, secret_token: secret }),
    });
    const chatId = randomInt(100_000_000, 999_999_999);
    tg.simulator.customerSendsText(bot.id, { chatId, firstName: 'Ana', text: 'Oi!' });
    const contactId = await eventually(async () => {
      const found = (await call('GET', '/v1/messages')).body.find((m: { channel: string }) => m.channel === 'telegram');
      return found?.contact_id as string | undefined;
    }, 20_000, 'the Telegram message');

    // The same customer on WhatsApp (window open) and in the shop's app.
    const waId = randomWaId();
    const appUserId = `ana-${randomInt(1e6)}`;
    const patched = await call('PATCH', `/v1/contacts/${contactId}`, {
      identities: [{ type: 'whatsapp', value: waId }, { type: 'app', value: appUserId }],
    });
    expect(patched.status).toBe(200);
    wa.simulator.customerSendsMessage(waId, { phoneNumberId: tenant.phoneNumberId, text: 'Oi pelo WhatsApp' });
    await eventually(async () => ((await call('GET', `/v1/messages?contact_id=${contactId}`)).body.length === 2 ? true : undefined));
    const app = await call('POST', '/v1/channel-accounts', {
      channel: 'app',
      name: 'Cashback',
      address: `loja-${randomInt(1e9)}:android`,
      settings: { mode: 'fcm' },
      secrets: { service_account_json: keyFile },
    });
    expect(app.status).toBe(201);
    const device = await call('PUT', '/v1/app-devices', { channel_account_id: app.body.id, app_user_id: appUserId, token: `tok-${randomInt(1e9)}`, platform: 'android' });
    expect(device.body.contact_id).toBe(contactId);

    // Outages: the app was uninstalled; WhatsApp's receipts are late.
    fcm.simulator.unregister(device.body.token);
    wa.simulator.setStatusDelay(60_000);
    try {
      const created = await call('POST', '/v1/dispatches', {
        contact_id: contactId,
        category: 'marketing',
        content: {
          text: 'Ana, seu cashback de R$ 12,30 expira amanhã!',
          buttons: [{ id: 'use', title: 'Usar agora' }],
          template: { name: 'carrinho_abandonado', language: 'pt_BR', parameters: ['Ana'] },
        },
      });
      expect(created.status).toBe(202);
      expect(created.body.plan.map((s: { step: string }) => s.step)).toEqual(['app', 'whatsapp_free_form', 'telegram']);

      const done = await eventually(async () => {
        const d = (await call('GET', `/v1/dispatches/${created.body.id}`)).body;
        return d.state === 'routing' ? undefined : d;
      }, 60_000, 'the dispatch to finish');
      expect(done.state).toBe('sent');

      const messages = (await call('GET', `/v1/messages?contact_id=${contactId}`)).body.filter((m: { dispatch_id: string | null }) => m.dispatch_id === created.body.id);
      const byChannel = Object.fromEntries(messages.map((m: { channel: string }) => [m.channel, m]));
      expect(messages).toHaveLength(3);
      expect(byChannel.app).toMatchObject({ state: 'failed', error: expect.objectContaining({ code: 'UNREGISTERED' }) });
      expect(byChannel.whatsapp).toMatchObject({ state: 'accepted', type: 'interactive', pricing: 'converted' });
      expect(byChannel.telegram).toMatchObject({ state: 'accepted', id: done.message_id });

      expect(fcm.simulator.messages()).toHaveLength(0);
      expect(wa.simulator.messages({ to: waId })).toHaveLength(1);
      expect(tg.simulator.sent({ botId: bot.id, chatId, method: 'sendMessage' })).toHaveLength(1);
      // The uninstalled token was pruned: the contact no longer has the app.
      expect((await call('GET', `/v1/contacts/${contactId}`)).body.reachability.app).toBe(false);

      // The walk replays deterministically (RECORD_HISTORIES=1 keeps it for later versions to replay).
      const workflowId = dispatchWorkflowId(created.body.id);
      await Worker.runReplayHistory({ workflowBundle: { codePath: WORKFLOW_BUNDLE } }, await temporal.workflow.getHandle(workflowId).fetchHistory(), workflowId);
      recordHistoryIfAsked(config, workflowId, 'dispatch.fallback-across-channels.json');
    } finally {
      wa.simulator.setStatusDelay(50);
    }
  });

  it('replays the recorded dispatch histories without non-determinism', async () => {
    const files = fs.readdirSync(HISTORIES).filter((f) => f.startsWith('dispatch.') && f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      await Worker.runReplayHistory({ workflowBundle: { codePath: WORKFLOW_BUNDLE } }, JSON.parse(fs.readFileSync(path.join(HISTORIES, file), 'utf8')), file);
    }
  });
});
