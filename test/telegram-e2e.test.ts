import type { Client } from '@temporalio/client';
import { randomBytes, randomInt } from 'node:crypto';
import type { Pool } from 'pg';
import { TelegramPoller } from '../src/channels/telegram/telegram-poller';
import { PG_POOL } from '../src/db/database';
import { startTelegramSimulator, type RunningTelegramSimulator } from '../src/simulators/telegram/server';
import { sendMessageWorkflowId } from '../workflows/send-message.workflow';
import { apiClient, eventually, spawnWorker, startApi, startWorker, temporalClient, testConfig, type RunningApi } from './support/stack';

/**
 * A Telegram bot end to end on the local stack: connected through the API, the customer's
 * messages in their thread, the agent's reply through the send workflow and the driver, the
 * button press back, the secret header, a worker killed mid-send, and getUpdates polling.
 */
describe('Telegram end to end', () => {
  let sim: RunningTelegramSimulator;
  let api: RunningApi;
  let config: ReturnType<typeof testConfig>;
  let temporal: Client;
  const saved = { ...process.env };

  beforeAll(async () => {
    sim = await startTelegramSimulator({ webhookRetryDelayMs: 100 });
    // The API's and the workers' Telegram driver talk to the simulator.
    process.env.TELEGRAM_API_URL = sim.url;
    process.env.TELEGRAM_POLL_REFRESH = '200ms';
    process.env.TELEGRAM_POLL_RETRY_DELAY = '200ms';
    config = testConfig({ MESSAGE_SEND_TIMEOUT: '2s' });
    api = await startApi(config);
    temporal = await temporalClient(config);
  });
  afterAll(async () => {
    await temporal?.connection.close();
    await api?.close();
    await sim?.close();
    for (const name of ['TELEGRAM_API_URL', 'TELEGRAM_POLL_REFRESH', 'TELEGRAM_POLL_RETRY_DELAY']) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  async function tenantWithBot(delivery: 'webhook' | 'polling' = 'webhook') {
    const operator = apiClient(api.url, config.adminToken);
    const created = await operator('POST', '/v1/admin/accounts', { name: 'Farmácia Telegram' });
    expect(created.status).toBe(201);
    const call = apiClient(api.url, created.body.api_key.key);
    const bot = sim.simulator.addBot();
    const webhookSecret = randomBytes(18).toString('base64url');
    const connected = await call('POST', '/v1/channel-accounts', {
      channel: 'telegram',
      name: 'Farmácia bot',
      address: String(bot.id),
      settings: { delivery },
      secrets: { bot_token: bot.token, ...(delivery === 'webhook' ? { webhook_secret: webhookSecret } : {}) },
    });
    expect(connected.status).toBe(201);
    expect(connected.body.secret_names).toEqual(delivery === 'webhook' ? ['bot_token', 'webhook_secret'] : ['bot_token']);
    const channelAccountId: string = connected.body.id;
    const hook = `${api.url}/v1/webhooks/telegram/${channelAccountId}`;
    if (delivery === 'webhook') {
      const set = await fetch(`${sim.url}/bot${bot.token}/setWebhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: hook, secret_token: webhookSecret }) });
      expect(await set.json()).toMatchObject({ ok: true, result: true });
    }
    return { call, bot, channelAccountId, webhookSecret, hook, chatId: randomInt(100_000_000, 999_999_999) };
  }

  async function threadOf(call: ReturnType<typeof apiClient>, providerMessageId: string) {
    const first = await eventually(async () => (await call('GET', '/v1/messages')).body.find((m: any) => m.provider_message_id === providerMessageId), 15_000, `message ${providerMessageId}`);
    return { contactId: first.contact_id as string, messages: async () => (await call('GET', `/v1/messages?contact_id=${first.contact_id}`)).body as any[] };
  }

  it('refuses a wrong connection, and a webhook with a wrong secret header (401, nothing stored)', async () => {
    const t = await tenantWithBot();
    const bad = await t.call('POST', '/v1/channel-accounts', { channel: 'telegram', name: 'x', address: '1', settings: { delivery: 'webhook' }, secrets: { bot_token: 'nope', webhook_secret: 'x' } });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body)).toContain('secrets.bot_token');

    const operator = apiClient(api.url, config.adminToken);
    const newest = async () => (await operator('GET', '/v1/admin/webhooks?limit=1')).body[0]?.id;
    const before = await newest();
    const update = JSON.stringify({ update_id: 1, message: { message_id: 1, date: 1700000000, chat: { id: t.chatId, type: 'private' }, text: 'oi' } });
    for (const secret of [undefined, 'wrong', `${t.webhookSecret}x`]) {
      const res = await fetch(t.hook, { method: 'POST', headers: { 'content-type': 'application/json', ...(secret ? { 'x-telegram-bot-api-secret-token': secret } : {}) }, body: update });
      expect(res.status).toBe(401);
    }
    expect(await newest()).toBe(before);
  });

  it('customer writes, agent replies with buttons through the worker, customer presses one', async () => {
    const worker = await startWorker(config);
    try {
      const t = await tenantWithBot();
      sim.simulator.customerSendsText(t.bot.id, { chatId: t.chatId, firstName: 'Maria', lastName: 'Souza', text: 'Vocês entregam hoje?' });
      const thread = await threadOf(t.call, `${t.bot.id}:${t.chatId}:1`);
      expect(await thread.messages()).toMatchObject([{ direction: 'inbound', channel: 'telegram', channel_account_id: t.channelAccountId, type: 'text', state: 'received' }]);
      const contact = (await t.call('GET', `/v1/contacts/${thread.contactId}`)).body;
      expect(contact).toMatchObject({ name: 'Maria Souza' });

      const reply = await t.call('POST', '/v1/messages', {
        channel_account_id: t.channelAccountId,
        contact_id: thread.contactId,
        content: { text: 'Entregamos sim. Quer agendar?', buttons: [{ id: 'agendar', title: 'Agendar' }, { id: 'depois', title: 'Depois' }] },
      });
      expect(reply.status).toBe(202);
      const result = await temporal.workflow.getHandle(sendMessageWorkflowId(reply.body.id)).result();
      const sent = sim.simulator.sent({ botId: t.bot.id, chatId: t.chatId });
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({
        method: 'sendMessage',
        params: { text: 'Entregamos sim. Quer agendar?', reply_markup: { inline_keyboard: [[{ text: 'Agendar', callback_data: 'agendar' }], [{ text: 'Depois', callback_data: 'depois' }]] } },
      });
      const providerMessageId = `${t.bot.id}:${t.chatId}:${sent[0].messageId}`;
      expect(result).toMatchObject({ state: 'accepted', providerMessageId });
      expect((await t.call('GET', `/v1/messages/${reply.body.id}`)).body).toMatchObject({ channel: 'telegram', state: 'accepted', provider_message_id: providerMessageId, type: 'interactive' });

      sim.simulator.customerPressesButton(t.bot.id, { chatId: t.chatId, data: 'agendar' });
      const pressed = await eventually(async () => (await thread.messages()).find((m) => m.type === 'button'), 15_000, 'the button reply');
      expect(pressed).toMatchObject({
        direction: 'inbound',
        body: { button: { id: 'agendar', title: 'Agendar' }, context: { provider_message_id: providerMessageId, message_id: reply.body.id } },
      });
      await eventually(async () => (sim.simulator.callbackAnswers(t.bot.id).length === 1 ? true : undefined), 5000, 'answerCallbackQuery');
    } finally {
      await worker.stop();
    }
  });

  it('a worker killed between the send and saving its id: sent once, never again', async () => {
    const t = await tenantWithBot();
    sim.simulator.customerSendsText(t.bot.id, { chatId: t.chatId, text: 'oi' });
    const thread = await threadOf(t.call, `${t.bot.id}:${t.chatId}:1`);
    // Telegram takes the message but the answer never reaches the worker that asked.
    sim.simulator.addFault({ botId: t.bot.id, method: 'sendMessage', answerLateMs: 60_000 });

    const first = await spawnWorker(config);
    const sent = await t.call('POST', '/v1/messages', { channel_account_id: t.channelAccountId, contact_id: thread.contactId, content: { text: 'uma vez só' } });
    await eventually(async () => (sim.simulator.sent({ botId: t.bot.id }).length === 1 ? true : undefined), 20_000, 'Telegram to take the send');
    first.kill('SIGKILL');

    const second = await startWorker(config);
    try {
      const result = await temporal.workflow.getHandle(sendMessageWorkflowId(sent.body.id)).result();
      expect(result).toMatchObject({ state: 'failed' });
      const message = (await t.call('GET', `/v1/messages/${sent.body.id}`)).body;
      expect(message).toMatchObject({ state: 'failed', error: { code: 'outcome_unknown' } });
      expect(sim.simulator.sent({ botId: t.bot.id })).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });

  it('getUpdates polling through the API process: a restart neither loses nor duplicates an update', async () => {
    const t = await tenantWithBot('polling');
    const poller = api.app.get(TelegramPoller);
    const pool = api.app.get<Pool>(PG_POOL);
    expect(poller.running).toBe(false);
    sim.simulator.customerSendsText(t.bot.id, { chatId: t.chatId, text: 'um' });
    sim.simulator.customerSendsText(t.bot.id, { chatId: t.chatId, text: 'dois' });
    // The 1st getUpdates takes the batch; the ones after fail, so Telegram never hears it was taken.
    sim.simulator.addFault({ botId: t.bot.id, method: 'getUpdates', code: 502, skip: 1, count: 1000 });
    poller.start();
    const thread = await threadOf(t.call, `${t.bot.id}:${t.chatId}:2`);
    await poller.stop();
    // The process died after storing the updates, before saving the offset.
    await pool.query('DELETE FROM telegram_poll_offsets WHERE channel_account_id = $1', [t.channelAccountId]);
    sim.simulator.clearFaults();
    sim.simulator.customerSendsText(t.bot.id, { chatId: t.chatId, text: 'três' });
    poller.start();
    try {
      await eventually(async () => (sim.simulator.pendingUpdates(t.bot.id).length === 0 && (await thread.messages()).length === 3 ? true : undefined), 15_000, 'the third update');
    } finally {
      await poller.stop();
    }
    expect((await thread.messages()).map((m) => m.body.text).sort()).toEqual(['dois', 'três', 'um']);
    const deliveries = (await t.call('GET', '/v1/webhooks')).body.filter((d: any) => d.raw_body.includes(`"id":${t.chatId}`));
    expect(deliveries).toHaveLength(5);
  });
});
