import { createServer } from 'node:net';
import { InvalidFieldError } from '../../common/errors';
import { startTelegramSimulator, type RunningTelegramSimulator } from '../../simulators/telegram/server';
import type { SimBot } from '../../simulators/telegram/simulator';
import { ChannelSendError, type ChannelAccountRow, type MessageContent, type OpenChannelAccount } from '../driver';
import { createTelegramDriver, type TelegramDriver } from './telegram.driver';
import { TelegramApiError, TelegramClient, TelegramTransportError } from './telegram.client';
import { loadTelegramConfig } from './telegram.config';

const TOKEN = `123456789:${'A'.repeat(35)}`;
const account = (overrides: Partial<ChannelAccountRow> = {}): ChannelAccountRow => ({
  id: '5b8f2c64-1f0a-4d7e-9d1e-0a7b1c2d3e4f',
  account_id: 'c1d2e3f4-0000-4000-8000-000000000001',
  channel: 'telegram',
  name: 'Farmácia bot',
  address: '123456789',
  settings: { delivery: 'webhook' },
  secrets: null,
  created_at: new Date(),
  ...overrides,
});

describe('Telegram driver: render (strict out)', () => {
  const driver = createTelegramDriver(loadTelegramConfig({}));
  const render = (content: Partial<MessageContent>, recipient = '5551234', inReplyTo?: { providerMessageId: string }) =>
    driver.render({ account: account(), recipient, messageId: 'm-1', content: { text: 'Olá', ...content } as MessageContent, inReplyTo });
  const fieldOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      if (err instanceof InvalidFieldError) return err.field;
      throw err;
    }
    throw new Error('expected InvalidFieldError');
  };

  it('declares what Telegram can do', () => {
    expect(driver.capabilities).toEqual({ text: true, template: false, buttons: true, media: true, readReceipts: false, deliveryReceipts: false });
    expect(driver.identityKind).toBe('telegram');
    expect(driver.unknownOutcome).toBe('never-resend');
  });

  it('renders text with buttons as sendMessage with an inline keyboard whose callback_data are the button ids', () => {
    expect(render({ text: 'Seu pedido saiu', buttons: [{ id: 'track', title: 'Rastrear' }, { id: 'help', title: 'Ajuda' }] })).toEqual({
      type: 'interactive',
      body: {
        method: 'sendMessage',
        params: {
          chat_id: 5551234,
          text: 'Seu pedido saiu',
          reply_markup: { inline_keyboard: [[{ text: 'Rastrear', callback_data: 'track' }], [{ text: 'Ajuda', callback_data: 'help' }]] },
        },
      },
    });
    expect(render({ text: 'oi' }, '-1001276785818')).toEqual({ type: 'text', body: { method: 'sendMessage', params: { chat_id: -1001276785818, text: 'oi' } } });
  });

  it('renders media by URL with the text (or the media caption) as caption', () => {
    expect(render({ text: 'Sua receita', media: { kind: 'document', url: 'https://cdn.example/receita.pdf' } }).body).toEqual({
      method: 'sendDocument',
      params: { chat_id: 5551234, document: 'https://cdn.example/receita.pdf', caption: 'Sua receita' },
    });
    expect(render({ media: { kind: 'image', url: 'https://cdn.example/a.jpg', caption: 'Foto' } })).toMatchObject({ type: 'image', body: { method: 'sendPhoto', params: { photo: 'https://cdn.example/a.jpg', caption: 'Foto' } } });
    expect(render({ media: { kind: 'video', url: 'https://cdn.example/v.mp4' } }).body.method).toBe('sendVideo');
    expect(render({ media: { kind: 'audio', url: 'https://cdn.example/a.mp3' } }).body.method).toBe('sendAudio');
  });

  it('answers a customer message in the same chat as a reply', () => {
    expect(render({}, '5551234', { providerMessageId: '123456789:5551234:17' }).body.params).toMatchObject({ reply_parameters: { message_id: 17, allow_sending_without_reply: true } });
    expect(render({}, '5551234', { providerMessageId: '123456789:5551234:17:e1441646600' }).body.params).toMatchObject({ reply_parameters: { message_id: 17 } });
    // Another chat, or the same chat with another bot: not a message this bot can quote.
    expect(render({}, '5551234', { providerMessageId: '123456789:999:17' }).body.params).not.toHaveProperty('reply_parameters');
    expect(render({}, '5551234', { providerMessageId: '987654321:5551234:17' }).body.params).not.toHaveProperty('reply_parameters');
  });

  it('refuses what Telegram would refuse, naming the field', () => {
    expect(fieldOf(() => render({ text: '' }))).toBe('content.text');
    expect(fieldOf(() => render({ text: 'x'.repeat(4097) }))).toBe('content.text');
    expect(render({ text: 'x'.repeat(4096) }).type).toBe('text');
    expect(fieldOf(() => render({ buttons: [{ id: 'a', title: 'A' }, { id: 'b', title: ' ' }] }))).toBe('content.buttons[1].title');
    expect(fieldOf(() => render({ buttons: [{ id: 'é'.repeat(33), title: 'A' }] }))).toBe('content.buttons[0].id');
    expect(fieldOf(() => render({ buttons: [{ id: '', title: 'A' }] }))).toBe('content.buttons[0].id');
    expect(fieldOf(() => render({ buttons: [{ id: 'a', title: 'A' }, { id: 'a', title: 'B' }] }))).toBe('content.buttons[1].id');
    expect(fieldOf(() => render({ text: 'x'.repeat(1025), media: { kind: 'image', url: 'https://cdn.example/a.jpg' } }))).toBe('content.text');
    expect(fieldOf(() => render({ media: { kind: 'image', url: 'https://cdn.example/a.jpg', caption: 'c'.repeat(1025) } }))).toBe('content.media.caption');
    expect(fieldOf(() => render({ media: { kind: 'image', url: 'file:///etc/passwd' } }))).toBe('content.media.url');
    expect(fieldOf(() => render({}, 'maria'))).toBe('recipient');
  });

  it('checks a bot account: token format, delivery, webhook secret', () => {
    const field = (settings: Record<string, unknown>, secrets: Record<string, string>) => fieldOf(() => driver.validateAccount(settings, secrets));
    expect(() => driver.validateAccount({ delivery: 'webhook' }, { bot_token: TOKEN, webhook_secret: 'abc_DEF-123' })).not.toThrow();
    expect(() => driver.validateAccount({ delivery: 'polling' }, { bot_token: TOKEN })).not.toThrow();
    expect(field({ delivery: 'webhook' }, { webhook_secret: 'x' })).toBe('secrets.bot_token');
    expect(field({ delivery: 'webhook' }, { bot_token: '123:short', webhook_secret: 'x' })).toBe('secrets.bot_token');
    expect(field({ delivery: 'push' }, { bot_token: TOKEN })).toBe('settings.delivery');
    expect(field({}, { bot_token: TOKEN })).toBe('settings.delivery');
    expect(field({ delivery: 'webhook' }, { bot_token: TOKEN })).toBe('secrets.webhook_secret');
    expect(field({ delivery: 'webhook' }, { bot_token: TOKEN, webhook_secret: 'não vale' })).toBe('secrets.webhook_secret');
  });
});

describe('Telegram driver: send through the Bot API (against the simulator)', () => {
  let running: RunningTelegramSimulator;
  let bot: SimBot;
  let driver: TelegramDriver;
  const open = (): OpenChannelAccount => ({ ...account({ address: String(bot.id) }), secrets: { bot_token: bot.token, webhook_secret: 'abc' } });
  const send = (content: Partial<MessageContent>, chatId = 7001) =>
    driver.send(open(), { id: 'msg-1', body: driver.render({ account: account(), recipient: String(chatId), messageId: 'msg-1', content: { text: 'Olá', ...content } as MessageContent }).body });
  const sendError = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      if (err instanceof ChannelSendError) return err;
      throw err;
    }
    throw new Error('expected ChannelSendError');
  };

  beforeAll(async () => {
    running = await startTelegramSimulator();
    driver = createTelegramDriver({ apiUrl: running.url, requestTimeoutMs: 2000 });
  });
  beforeEach(() => {
    bot = running.simulator.addBot();
    running.simulator.customerSendsText(bot.id, { chatId: 7001, firstName: 'Maria', text: 'oi' });
  });
  afterAll(async () => {
    await running.close();
  });

  it('sends one sendMessage with the inline keyboard and returns <chat_id>:<message_id>', async () => {
    const result = await send({ text: 'Escolha', buttons: [{ id: 'yes', title: 'Sim' }, { id: 'no', title: 'Não' }] });
    const sent = running.simulator.sent({ botId: bot.id, chatId: 7001 });
    expect(sent).toHaveLength(1);
    expect(result).toEqual({ providerMessageId: `${bot.id}:7001:${sent[0].messageId}` });
    expect(sent[0]).toMatchObject({ method: 'sendMessage', params: { text: 'Escolha', reply_markup: { inline_keyboard: [[{ text: 'Sim', callback_data: 'yes' }], [{ text: 'Não', callback_data: 'no' }]] } } });
  });

  it('sends media by URL', async () => {
    await send({ text: 'Nota fiscal', media: { kind: 'document', url: 'https://cdn.example/nf.pdf' } });
    expect(running.simulator.sent({ botId: bot.id })[0]).toMatchObject({ method: 'sendDocument', message: { caption: 'Nota fiscal', document: { file_name: 'nf.pdf' } } });
  });

  it('classifies errors: 429 retryable after retry_after, 5xx retryable, 400/401/403 final', async () => {
    running.simulator.addFault({ botId: bot.id, method: 'sendMessage', code: 429, retryAfter: 3 });
    expect(await sendError(send({}))).toMatchObject({ retryable: true, code: '429', retryAfterMs: 3000 });
    running.simulator.addFault({ botId: bot.id, method: 'sendMessage', code: 502 });
    expect(await sendError(send({}))).toMatchObject({ retryable: true, code: '502' });
    expect(await sendError(send({}, 4242))).toMatchObject({ retryable: false, code: '400', message: expect.stringContaining('chat not found') });
    running.simulator.blockBot(bot.id, 7001);
    expect(await sendError(send({}))).toMatchObject({ retryable: false, code: '403', message: expect.stringContaining('blocked by the user') });
    const revoked = { ...open(), secrets: { bot_token: `${bot.id}:${'Z'.repeat(35)}` } };
    expect(await sendError(driver.send(revoked, { id: 'm', body: { method: 'sendMessage', params: { chat_id: 7001, text: 'x' } } }))).toMatchObject({ retryable: false, code: '401' });
    expect(running.simulator.sent({ botId: bot.id })).toHaveLength(0);
  });

  it('a request that got no answer is not repeated; one that never left is', async () => {
    running.simulator.addFault({ botId: bot.id, method: 'sendMessage', answerLateMs: 600 });
    const late = createTelegramDriver({ apiUrl: running.url, requestTimeoutMs: 200 });
    const body = late.render({ account: account(), recipient: '7001', messageId: 'm', content: { text: 'x' } }).body;
    expect(await sendError(late.send(open(), { id: 'm', body }))).toMatchObject({ retryable: false, code: 'outcome_unknown' });
    // It did go out: this is why it must not be sent again.
    expect(running.simulator.sent({ botId: bot.id })).toHaveLength(1);
    const down = createTelegramDriver({ apiUrl: `http://127.0.0.1:${await closedPort()}`, requestTimeoutMs: 1000 });
    expect(await sendError(down.send(open(), { id: 'm', body }))).toMatchObject({ retryable: true, code: 'unreachable' });
  });
});

describe('Telegram client', () => {
  it('never puts the token in its errors', async () => {
    const client = new TelegramClient({ apiUrl: `http://127.0.0.1:${await closedPort()}`, timeoutMs: 500 });
    const err = await client.call(TOKEN, 'getMe').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TelegramTransportError);
    expect(String((err as Error).message)).not.toContain(TOKEN.split(':')[1]);
  });

  it('reads a non-JSON answer as an API error with the HTTP status', async () => {
    const client = new TelegramClient({ apiUrl: 'http://x', timeoutMs: 500, fetch: (async () => new Response('<html>Bad Gateway</html>', { status: 502 })) as unknown as typeof fetch });
    const err = await client.call(TOKEN, 'getMe').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TelegramApiError);
    expect(err).toMatchObject({ errorCode: 502 });
  });
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
