import type { FastifyInstance } from 'fastify';
import type { Message, Update } from '@grammyjs/types';
import { buildTelegramSimulatorServer } from './server';
import { TelegramSimulator, type SimBot } from './simulator';

describe('Telegram Bot API simulator', () => {
  let sim: TelegramSimulator;
  let app: FastifyInstance;
  let bot: SimBot;
  const webhookPosts: Array<{ url: string; headers: Record<string, string>; body: Update }> = [];
  let webhookStatus = 200;
  const fakeFetch = (async (url: string, init: RequestInit) => {
    webhookPosts.push({ url, headers: init.headers as Record<string, string>, body: JSON.parse(init.body as string) as Update });
    return new Response('', { status: webhookStatus });
  }) as unknown as typeof fetch;

  const api = async (method: string, params: Record<string, unknown> = {}, token = bot.token) => {
    const res = await app.inject({ method: 'POST', url: `/bot${token}/${method}`, payload: params });
    return { status: res.statusCode, body: res.json() };
  };

  beforeEach(() => {
    webhookPosts.length = 0;
    webhookStatus = 200;
    sim = new TelegramSimulator({ fetch: fakeFetch, webhookRetryDelayMs: 10 });
    app = buildTelegramSimulatorServer(sim);
    bot = sim.addBot({ username: 'farmacia_bot' });
  });
  afterEach(async () => {
    sim.close();
    await app.close();
  });

  it('answers the documented envelope: 401 for an unknown token, 404 for an unknown method or path', async () => {
    expect(await api('getMe', {}, `${bot.id}:${'x'.repeat(35)}`)).toEqual({ status: 401, body: { ok: false, error_code: 401, description: 'Unauthorized' } });
    expect(await api('sendTelepathy')).toEqual({ status: 404, body: { ok: false, error_code: 404, description: 'Not Found' } });
    const me = await api('GETME');
    expect(me).toMatchObject({ status: 200, body: { ok: true, result: { id: bot.id, is_bot: true, username: 'farmacia_bot' } } });
    const noPrefix = await app.inject({ method: 'GET', url: `/${bot.token}/getMe` });
    expect(noPrefix.statusCode).toBe(404);
  });

  it('sends only to chats whose customer wrote first, and records what the bot sent', async () => {
    expect(await api('sendMessage', { chat_id: 5551234, text: 'oi' })).toEqual({
      status: 400,
      body: { ok: false, error_code: 400, description: 'Bad Request: chat not found' },
    });
    sim.customerSendsText(bot.id, { chatId: 5551234, firstName: 'Maria', lastName: 'Silva', text: 'Tem dipirona?' });
    const sent = await api('sendMessage', {
      chat_id: 5551234,
      text: 'Temos sim',
      reply_parameters: { message_id: 1 },
      reply_markup: { inline_keyboard: [[{ text: 'Comprar', callback_data: 'buy' }], [{ text: 'Site', url: 'https://example.com' }]] },
    });
    expect(sent.status).toBe(200);
    const message = sent.body.result as Message & { text: string };
    expect(message).toMatchObject({ message_id: 2, chat: { id: 5551234, type: 'private' }, text: 'Temos sim', reply_to_message: { message_id: 1 } });
    expect(sim.sent({ chatId: 5551234 })).toHaveLength(1);
    expect(sim.sent({ chatId: 5551234 })[0].params.reply_markup).toEqual({
      inline_keyboard: [[{ text: 'Comprar', callback_data: 'buy' }], [{ text: 'Site', url: 'https://example.com' }]],
    });
  });

  it('validates text, captions and inline keyboards as the Bot API does', async () => {
    sim.customerSendsText(bot.id, { chatId: 42, text: 'oi' });
    const bad = async (params: Record<string, unknown>, method = 'sendMessage') => (await api(method, { chat_id: 42, ...params })).body.description;
    expect(await bad({ text: '' })).toBe('Bad Request: message text is empty');
    expect(await bad({ text: 'a'.repeat(4097) })).toBe('Bad Request: message is too long');
    // The limit counts the text after entities parsing: markup does not count.
    expect((await api('sendMessage', { chat_id: 42, text: `<b>${'a'.repeat(4096)}</b>`, parse_mode: 'HTML' })).status).toBe(200);
    expect(await bad({ text: '<blink>x</blink>', parse_mode: 'HTML' })).toMatch(/^Bad Request: can't parse entities/);
    expect(await bad({ text: 'x', reply_markup: { inline_keyboard: [[{ text: 'x', callback_data: 'é'.repeat(33) }]] } })).toBe('Bad Request: BUTTON_DATA_INVALID');
    expect(await bad({ text: 'x', reply_markup: { inline_keyboard: [[{ text: 'x', callback_data: '' }]] } })).toBe('Bad Request: BUTTON_DATA_INVALID');
    expect(await bad({ text: 'x', reply_markup: { inline_keyboard: [[{ callback_data: 'a' }]] } })).toMatch(/Field "text" must be of type String/);
    expect(await bad({ text: 'x', reply_markup: { inline_keyboard: [[{ text: 'only text' }]] } })).toMatch(/Text buttons are unallowed/);
    expect(await bad({ text: 'x', reply_markup: { inline_keyboard: [[{ text: 'x', url: 'javascript:alert(1)' }]] } })).toBe('Bad Request: BUTTON_URL_INVALID');
    expect(await bad({ text: 'x', reply_parameters: { message_id: 999 } })).toBe('Bad Request: message to be replied not found');
    expect(await bad({ photo: 'https://example.com/a.jpg', caption: 'c'.repeat(1025) }, 'sendPhoto')).toBe('Bad Request: message caption is too long');
    expect(await bad({ document: 'not-a-file-id' }, 'sendDocument')).toBe('Bad Request: wrong file identifier/HTTP URL specified');
    const photo = await api('sendPhoto', { chat_id: 42, photo: 'https://example.com/a.jpg', caption: 'Receita' });
    expect(photo.body.result).toMatchObject({ caption: 'Receita', photo: [{ width: 800 }] });
    // A file_id Telegram gave out can be sent again.
    const again = await api('sendPhoto', { chat_id: 42, photo: (photo.body.result as { photo: Array<{ file_id: string }> }).photo[0].file_id });
    expect(again.status).toBe(200);
  });

  it('reads parameters from an urlencoded form and from the query string, objects JSON-serialised', async () => {
    sim.customerSendsText(bot.id, { chatId: 77, text: 'oi' });
    const form = await app.inject({
      method: 'POST',
      url: `/bot${bot.token}/sendMessage`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ chat_id: '77', text: 'pelo form', reply_markup: JSON.stringify({ inline_keyboard: [[{ text: 'Sim', callback_data: 'yes' }]] }) }).toString(),
    });
    expect(form.json()).toMatchObject({ ok: true, result: { text: 'pelo form', reply_markup: { inline_keyboard: [[{ callback_data: 'yes' }]] } } });
    const query = await app.inject({ method: 'GET', url: `/bot${bot.token}/sendMessage?chat_id=77&text=pela%20query` });
    expect(query.json()).toMatchObject({ ok: true, result: { text: 'pela query' } });
  });

  it('answers scripted 429s with retry_after, 5xx, and 403 for a customer who blocked the bot', async () => {
    sim.customerSendsText(bot.id, { chatId: 9, text: 'oi' });
    sim.addFault({ method: 'sendMessage', code: 429, retryAfter: 7 });
    expect(await api('sendMessage', { chat_id: 9, text: 'x' })).toEqual({
      status: 429,
      body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 7', parameters: { retry_after: 7 } },
    });
    sim.addFault({ method: 'sendmessage', code: 502 });
    expect((await api('sendMessage', { chat_id: 9, text: 'x' })).status).toBe(502);
    sim.blockBot(bot.id, 9);
    expect(await api('sendMessage', { chat_id: 9, text: 'x' })).toEqual({
      status: 403,
      body: { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' },
    });
    expect(sim.sent({ chatId: 9 })).toHaveLength(0);
  });

  it('turns a button press into a callback_query on the bot message, answerable once', async () => {
    sim.customerSendsText(bot.id, { chatId: 3, firstName: 'Ana', text: 'oi' });
    const sent = await api('sendMessage', { chat_id: 3, text: 'Confirma?', reply_markup: { inline_keyboard: [[{ text: 'Sim', callback_data: 'yes' }, { text: 'Não', callback_data: 'no' }]] } });
    const press = sim.customerPressesButton(bot.id, { chatId: 3, data: 'no' });
    expect(press.callback_query).toMatchObject({ data: 'no', from: { id: 3, first_name: 'Ana' }, message: { message_id: (sent.body.result as Message).message_id } });
    expect(() => sim.customerPressesButton(bot.id, { chatId: 3, data: 'maybe' })).toThrow(/no callback button/);
    const id = press.callback_query!.id;
    expect((await api('answerCallbackQuery', { callback_query_id: id })).body).toEqual({ ok: true, result: true });
    expect((await api('answerCallbackQuery', { callback_query_id: id })).body.description).toMatch(/query is too old/);
    const edited = await api('editMessageText', { chat_id: 3, message_id: (sent.body.result as Message).message_id, text: 'Cancelado' });
    expect(edited.body.result).toMatchObject({ text: 'Cancelado' });
    expect((edited.body.result as Message).reply_markup).toBeUndefined();
  });

  it('keeps updates for getUpdates until a higher offset confirms them, and long-polls', async () => {
    sim.customerSendsText(bot.id, { chatId: 11, text: 'um' });
    sim.customerSendsText(bot.id, { chatId: 11, text: 'dois' });
    const first = (await api('getUpdates', { timeout: 0 })).body.result as Update[];
    expect(first.map((u) => (u.message as { text: string }).text)).toEqual(['um', 'dois']);
    expect(first[1].update_id).toBe(first[0].update_id + 1);
    // Not confirmed yet: the same two again.
    expect((await api('getUpdates', { offset: first[0].update_id })).body.result).toHaveLength(2);
    expect((await api('getUpdates', { offset: first[1].update_id + 1 })).body.result).toEqual([]);
    const waiting = api('getUpdates', { offset: first[1].update_id + 1, timeout: 20 });
    setTimeout(() => sim.customerSendsText(bot.id, { chatId: 11, text: 'três' }), 50);
    const third = (await waiting).body.result as Update[];
    expect(third.map((u) => (u.message as { text: string }).text)).toEqual(['três']);
  });

  it('ends a waiting getUpdates with 409 when another starts, and refuses getUpdates while a webhook is set', async () => {
    const firstPoll = api('getUpdates', { timeout: 20 });
    await new Promise((r) => setTimeout(r, 20));
    const secondPoll = api('getUpdates', { timeout: 1 });
    expect(await firstPoll).toMatchObject({ status: 409, body: { ok: false, error_code: 409, description: expect.stringMatching(/^Conflict: terminated by other getUpdates/) } });
    expect((await secondPoll).status).toBe(200);
    expect((await api('setWebhook', { url: 'https://recado.example/v1/webhooks/telegram/x' })).body).toEqual({ ok: true, result: true, description: 'Webhook was set' });
    expect(await api('getUpdates')).toEqual({
      status: 409,
      body: { ok: false, error_code: 409, description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first" },
    });
    expect((await api('deleteWebhook')).body).toEqual({ ok: true, result: true, description: 'Webhook was deleted' });
    expect((await api('getUpdates')).status).toBe(200);
  });

  it('delivers updates to the webhook with the secret token header, retrying until a 2xx, in order', async () => {
    expect((await api('setWebhook', { url: 'https://recado.example/hook', secret_token: 'bad token!' })).body.description).toBe(
      'Bad Request: secret token contains unallowed characters',
    );
    expect((await api('setWebhook', { url: 'https://recado.example/hook', secret_token: 's'.repeat(257) })).body.description).toBe(
      'Bad Request: secret token contains unallowed characters',
    );
    expect((await api('setWebhook', { url: 'ftp://recado.example/hook' })).status).toBe(400);
    await api('setWebhook', { url: 'https://recado.example/hook', secret_token: 'Abc_123-xyz' });
    webhookStatus = 500;
    sim.customerSendsText(bot.id, { chatId: 21, text: 'primeira' });
    sim.customerSendsText(bot.id, { chatId: 21, text: 'segunda' });
    await waitFor(() => webhookPosts.length >= 3);
    const info = (await api('getWebhookInfo')).body.result;
    expect(info).toMatchObject({ url: 'https://recado.example/hook', pending_update_count: 2, last_error_message: expect.stringMatching(/500/) });
    webhookStatus = 200;
    await waitFor(() => sim.pendingUpdates(bot.id).length === 0);
    const texts = webhookPosts.map((p) => (p.body.message as { text: string }).text);
    // Only the first is retried while failing; the second waits for it.
    expect(texts.filter((t) => t === 'segunda')).toEqual(['segunda']);
    expect(texts.at(-1)).toBe('segunda');
    expect(webhookPosts.every((p) => p.headers['x-telegram-bot-api-secret-token'] === 'Abc_123-xyz')).toBe(true);
  });

  it('delivers an edited message and leaves out opt-in update types unless allowed', async () => {
    sim.customerSendsText(bot.id, { chatId: 8, text: 'errado' });
    sim.customerEditsMessage(bot.id, { chatId: 8, messageId: 1, text: 'certo' });
    sim.pushRawUpdate(bot.id, { message_reaction: { chat: { id: 8, type: 'private' } } });
    const updates = (await api('getUpdates')).body.result as Update[];
    expect(updates.map((u) => Object.keys(u).filter((k) => k !== 'update_id')[0])).toEqual(['message', 'edited_message']);
    expect(updates[1].edited_message).toMatchObject({ message_id: 1, text: 'certo', edit_date: expect.any(Number) });
  });
});

async function waitFor(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
