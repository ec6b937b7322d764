import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { randomInt } from 'node:crypto';
import { TelegramClient } from '../src/channels/telegram/telegram.client';
import { startTelegramSimulator, type RunningTelegramSimulator } from '../src/simulators/telegram/server';
import { eventually, testConfig } from './support/stack';
import { connectBot, startTelegramInbound, type TelegramInboundApp } from './support/telegram';

/** Inbound Telegram on the real stack: the webhook endpoint, the pipeline, the thread, the poller. */
describe('Telegram inbound', () => {
  const config = testConfig();
  let sim: RunningTelegramSimulator;
  let inbound: TelegramInboundApp;
  let client: TelegramClient;

  const post = (channelAccountId: string, raw: string, secret?: string) =>
    fetch(`${inbound.url}/v1/webhooks/telegram/${channelAccountId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(secret !== undefined ? { 'x-telegram-bot-api-secret-token': secret } : {}) },
      body: raw,
    });
  const deliveries = async (channelAccountId: string) =>
    (await inbound.pool.query<{ status: string; error: string | null; warnings: string[] }>('SELECT status, error, warnings FROM inbound_webhooks WHERE route_hint = $1 ORDER BY id', [channelAccountId])).rows;
  const messages = async (accountId: string) =>
    (
      await inbound.pool.query<{ type: string; provider_message_id: string; body: any; contact_id: string; direction: string; channel: string; channel_account_id: string }>(
        'SELECT * FROM messages WHERE account_id = $1 ORDER BY created_at, provider_message_id',
        [accountId],
      )
    ).rows;
  const totalWebhooks = async () => Number((await inbound.pool.query<{ n: string }>('SELECT count(*) AS n FROM inbound_webhooks')).rows[0].n);

  beforeAll(async () => {
    sim = await startTelegramSimulator({ webhookRetryDelayMs: 100 });
    inbound = await startTelegramInbound(config, sim.url);
    client = new TelegramClient({ apiUrl: sim.url, timeoutMs: 5000 });
  });
  afterAll(async () => {
    await inbound?.close();
    await sim?.close();
  });

  it('refuses a wrong or missing secret header with 401, an unknown bot with 404, and stores nothing', async () => {
    const bot = sim.simulator.addBot();
    const { channelAccountId, webhookSecret } = await connectBot(inbound.pool, config, bot);
    const raw = readFileSync(path.join(__dirname, 'fixtures/telegram/docs-message-text.json'), 'utf8');
    const before = await totalWebhooks();
    expect((await post(channelAccountId, raw)).status).toBe(401);
    expect((await post(channelAccountId, raw, `${webhookSecret}x`)).status).toBe(401);
    expect((await post(channelAccountId, raw, webhookSecret.slice(0, -1))).status).toBe(401);
    expect((await post(channelAccountId, raw, '')).status).toBe(401);
    expect((await post('6f1c2a9e-0000-4000-8000-00000000abcd', raw, webhookSecret)).status).toBe(404);
    expect((await post('not-a-uuid', raw, webhookSecret)).status).toBe(404);
    expect(await totalWebhooks()).toBe(before);
    expect((await post(channelAccountId, raw, webhookSecret)).status).toBe(200);
    expect(await totalWebhooks()).toBe(before + 1);
  });

  it("puts a customer's messages and button presses in their thread, delivered by the simulator's webhook", async () => {
    const bot = sim.simulator.addBot();
    const { accountId, channelAccountId, webhookSecret } = await connectBot(inbound.pool, config, bot);
    await client.call(bot.token, 'setWebhook', { url: `${inbound.url}/v1/webhooks/telegram/${channelAccountId}`, secret_token: webhookSecret });
    const chatId = randomInt(100_000_000, 999_999_999);

    sim.simulator.customerSendsText(bot.id, { chatId, firstName: 'Maria', lastName: 'Silva', text: 'Tem dipirona?' });
    sim.simulator.customerSendsPhoto(bot.id, { chatId, caption: 'Esta receita' });
    const thread = await eventually(async () => ((await messages(accountId)).length === 2 ? messages(accountId) : undefined), 10_000, 'two messages');
    expect(thread.map((m) => [m.direction, m.channel, m.type, m.provider_message_id])).toEqual([
      ['inbound', 'telegram', 'text', `${bot.id}:${chatId}:1`],
      ['inbound', 'telegram', 'image', `${bot.id}:${chatId}:2`],
    ]);
    expect(thread[0].channel_account_id).toBe(channelAccountId);
    expect(thread[0].body).toMatchObject({ text: 'Tem dipirona?', chat: { id: chatId } });
    const contact = (await inbound.pool.query('SELECT c.id, c.name FROM contacts c JOIN contact_identities i ON i.contact_id = c.id AND i.account_id = c.account_id WHERE i.account_id = $1 AND i.kind = $2 AND i.value = $3', [accountId, 'telegram', String(chatId)])).rows;
    expect(contact).toEqual([{ id: thread[0].contact_id, name: 'Maria Silva' }]);
    expect(thread[1].contact_id).toBe(thread[0].contact_id);
    const window = await inbound.pool.query('SELECT 1 FROM service_windows WHERE account_id = $1 AND contact_id = $2 AND channel_account_id = $3', [accountId, thread[0].contact_id, channelAccountId]);
    expect(window.rowCount).toBe(1);

    // The bot answers with buttons; the customer presses one.
    const sent = await client.call(bot.token, 'sendMessage', { chat_id: chatId, text: 'Temos. Reservar?', reply_markup: { inline_keyboard: [[{ text: 'Reservar', callback_data: 'reserve' }], [{ text: 'Não', callback_data: 'no' }]] } });
    sim.simulator.customerPressesButton(bot.id, { chatId, data: 'reserve' });
    const button = await eventually(async () => (await messages(accountId)).find((m) => m.type === 'button'), 10_000, 'the button reply');
    expect(button).toMatchObject({
      direction: 'inbound',
      contact_id: thread[0].contact_id,
      body: { button: { id: 'reserve', title: 'Reservar' }, context: { provider_message_id: `${bot.id}:${chatId}:${sent.message_id}` } },
    });
    // The press is answered (Telegram's spinner stops) once it is recorded.
    await eventually(async () => (sim.simulator.callbackAnswers(bot.id).length === 1 ? true : undefined), 5000, 'answerCallbackQuery');

    // An edit is a new entry; the original stays.
    sim.simulator.customerEditsMessage(bot.id, { chatId, messageId: 1, text: 'Tem dipirona 500mg?' });
    const edit = await eventually(async () => (await messages(accountId)).find((m) => m.provider_message_id.startsWith(`${bot.id}:${chatId}:1:e`)), 10_000, 'the edit');
    expect(edit.body).toMatchObject({ text: 'Tem dipirona 500mg?', edit_date: expect.any(Number) });
    expect((await deliveries(channelAccountId)).every((d) => d.status === 'processed')).toBe(true);
  });

  it('records an update once however often it is delivered, and ignores (counts) update types recado does not act on', async () => {
    const bot = sim.simulator.addBot();
    const { accountId, channelAccountId, webhookSecret } = await connectBot(inbound.pool, config, bot);
    const chatId = randomInt(100_000_000, 999_999_999);
    const update = sim.simulator.customerSendsText(bot.id, { chatId, text: 'oi' });
    const raw = JSON.stringify(update);
    for (let i = 0; i < 3; i++) expect((await post(channelAccountId, raw, webhookSecret)).status).toBe(200);
    expect(await messages(accountId)).toHaveLength(1);
    const blocked = sim.simulator.pushRawUpdate(bot.id, JSON.parse(readFileSync(path.join(__dirname, 'fixtures/telegram/teloxide-my-chat-member.json'), 'utf8')));
    expect((await post(channelAccountId, JSON.stringify(blocked), webhookSecret)).status).toBe(200);
    expect((await post(channelAccountId, '{"update_id": "nope"}', webhookSecret)).status).toBe(200);
    const rows = await deliveries(channelAccountId);
    expect(rows.map((r) => r.status)).toEqual(['processed', 'processed', 'processed', 'ignored', 'invalid']);
    expect(rows[4].error).toMatch(/update_id/);
    expect(await messages(accountId)).toHaveLength(1);
  });

  it('reads every outside fixture through the real endpoint', async () => {
    const dir = path.join(__dirname, 'fixtures/telegram');
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(17);
    const expected: Record<string, { status: string; type?: string; from?: string }> = {
      'docs-message-text-no-chat-type.json': { status: 'processed', type: 'text', from: 'Test Test Lastname' },
      'docs-message-text.json': { status: 'processed', type: 'text', from: 'Test Firstname Test Lastname' },
      'docs-message-reply.json': { status: 'processed', type: 'text' },
      'docs-edited-message.json': { status: 'processed', type: 'text' },
      'docs-message-entities.json': { status: 'processed', type: 'text' },
      'docs-message-audio.json': { status: 'processed', type: 'audio' },
      'docs-message-voice.json': { status: 'processed', type: 'audio' },
      'docs-message-document.json': { status: 'processed', type: 'document' },
      'docs-inline-query.json': { status: 'ignored' },
      'docs-callback-query.json': { status: 'processed', type: 'button' },
      'teloxide-message.json': { status: 'processed', type: 'text', from: 'Waffle' },
      'teloxide-private-chat-text.json': { status: 'processed', type: 'text', from: 'Hirrolot' },
      'teloxide-supergroup-dice.json': { status: 'processed', type: 'unsupported' },
      'teloxide-supergroup-story-reply.json': { status: 'processed', type: 'text', from: 'the Cable Guy' },
      'teloxide-pinned-message.json': { status: 'ignored' },
      'teloxide-my-chat-member.json': { status: 'ignored' },
      'teloxide-new-update-kind.json': { status: 'ignored' },
    };
    expect(files.sort()).toEqual(Object.keys(expected).sort());
    for (const file of files) {
      // The docs' examples share update_id 10000 and chat 1111111: a bot (and account) each.
      const bot = sim.simulator.addBot();
      const { accountId, channelAccountId, webhookSecret } = await connectBot(inbound.pool, config, bot);
      const res = await post(channelAccountId, readFileSync(path.join(dir, file), 'utf8'), webhookSecret);
      expect([file, res.status]).toEqual([file, 200]);
      const [delivery] = await deliveries(channelAccountId);
      expect([file, delivery.status]).toEqual([file, expected[file].status]);
      const stored = await messages(accountId);
      if (expected[file].type) {
        expect([file, stored.map((m) => m.type)]).toEqual([file, [expected[file].type]]);
        if (expected[file].from) {
          const name = (await inbound.pool.query('SELECT name FROM contacts WHERE id = $1', [stored[0].contact_id])).rows[0].name;
          expect([file, name]).toEqual([file, expected[file].from]);
        }
      } else {
        expect([file, stored]).toEqual([file, []]);
      }
    }
  });

  it('polls getUpdates into the same pipeline; a restart neither loses nor duplicates an update', async () => {
    const bot = sim.simulator.addBot();
    const { accountId, channelAccountId } = await connectBot(inbound.pool, config, bot, 'polling');
    // A webhook left on the bot: the poller removes it (the account says polling).
    await client.call(bot.token, 'setWebhook', { url: 'https://old-host.example/hook' });
    const chatId = randomInt(100_000_000, 999_999_999);
    sim.simulator.customerSendsText(bot.id, { chatId, text: 'um' });
    sim.simulator.customerSendsText(bot.id, { chatId, text: 'dois' });
    // The 1st getUpdates meets the webhook (409), the 2nd takes the batch, the ones after fail:
    // Telegram never hears the batch was taken.
    sim.simulator.addFault({ botId: bot.id, method: 'getUpdates', code: 502, skip: 2, count: 1000 });

    expect(inbound.poller.running).toBe(false);
    inbound.poller.start();
    await eventually(async () => ((await messages(accountId)).length === 2 ? true : undefined), 15_000, 'two polled messages');
    await inbound.poller.stop();
    const saved = (await inbound.pool.query('SELECT next_offset FROM telegram_poll_offsets WHERE channel_account_id = $1', [channelAccountId])).rows[0];
    expect(Number(saved.next_offset)).toBe(sim.simulator.pendingUpdates(bot.id)[1].update_id + 1);
    // Worst case: the process died after storing both updates but before saving the offset.
    await inbound.pool.query('DELETE FROM telegram_poll_offsets WHERE channel_account_id = $1', [channelAccountId]);
    sim.simulator.clearFaults();
    sim.simulator.customerSendsText(bot.id, { chatId, text: 'três' });

    inbound.poller.start();
    await eventually(async () => (sim.simulator.pendingUpdates(bot.id).length === 0 && (await messages(accountId)).length >= 3 ? true : undefined), 15_000, 'the third update');
    await inbound.poller.stop();
    const thread = await messages(accountId);
    expect(thread.map((m) => m.body.text)).toEqual(['um', 'dois', 'três']);
    // Telegram gave "um" and "dois" again: stored again, recorded once.
    expect((await deliveries(channelAccountId)).map((d) => d.status)).toEqual(['processed', 'processed', 'processed', 'processed', 'processed']);
    const duplicates = await inbound.pool.query(`SELECT count(*)::int AS n FROM webhook_events WHERE provider = 'telegram' AND dedupe_key LIKE $1`, [`${channelAccountId}:%`]);
    expect(duplicates.rows[0].n).toBe(3);
    expect((await client.call(bot.token, 'getWebhookInfo')).url).toBe('');
  });
});
