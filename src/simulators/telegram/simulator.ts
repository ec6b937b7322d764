import { randomBytes, randomInt } from 'node:crypto';
import type { CallbackQuery, Chat, InlineKeyboardMarkup, Message, Update, User } from '@grammyjs/types';
import {
  badRequest,
  blocked,
  BotApiError,
  BOT_TOKEN,
  boolField,
  chatIdField,
  checkCaption,
  checkReplyMarkup,
  checkSecretToken,
  checkText,
  checkWebhookUrl,
  intField,
  jsonField,
  LIMITS,
  notFound,
  replyParameters,
  SimControlError,
  stringField,
  success,
  tooManyRequests,
  unauthorized,
  type Params,
} from './bot-api';
import { UpdateQueue, type SimLogger } from './update-queue';

/**
 * An in-process stand-in for the Telegram Bot API (core.telegram.org/bots/api): bots, the
 * customers' private chats with them, what bots send, and the updates customers cause, delivered
 * to a webhook or kept for getUpdates. State and rules only; the HTTP layer is server.ts.
 */

export interface TelegramSimulatorOptions {
  /** Plain-HTTP webhook URLs (a local receiver). Telegram itself wants HTTPS. Default true. */
  allowHttpWebhooks?: boolean;
  /** Wait before a failed webhook delivery is tried again. Default 500 ms. */
  webhookRetryDelayMs?: number;
  webhookTimeoutMs?: number;
  logger?: SimLogger;
  fetch?: typeof fetch;
}

export interface SimBot {
  id: number;
  token: string;
  username: string;
  firstName: string;
}

export interface SimSent {
  botId: number;
  chatId: number;
  method: string;
  messageId: number;
  /** The request parameters as the bot sent them (objects parsed). */
  params: Params;
  message: Message;
  at: string;
}

export interface SimFault {
  botId?: number;
  /** Method name (case-insensitive); every method when absent. */
  method?: string;
  /** Answer with this error instead of handling the call: 429, 403, 500, 502… */
  code?: number;
  retryAfter?: number;
  description?: string;
  /** Handle the call (a send is made), then hold the answer this long: the caller may die first. */
  answerLateMs?: number;
  count?: number;
  /** Let this many matching calls through before the fault applies. */
  skip?: number;
}

export interface CustomerInput {
  chatId: number;
  firstName?: string;
  lastName?: string;
  username?: string;
}

interface SimChat {
  user: User;
  blockedBots: Set<number>;
}

const MEDIA_METHODS = { sendphoto: 'photo', senddocument: 'document', sendvideo: 'video', sendaudio: 'audio' } as const;
type MediaField = (typeof MEDIA_METHODS)[keyof typeof MEDIA_METHODS];

const CANONICAL: Record<string, string> = Object.fromEntries(
  ['getMe', 'sendMessage', 'sendPhoto', 'sendDocument', 'sendVideo', 'sendAudio', 'editMessageText', 'answerCallbackQuery', 'setWebhook', 'deleteWebhook', 'getWebhookInfo', 'getUpdates'].map(
    (m) => [m.toLowerCase(), m],
  ),
);

const randomToken = (n: number) => randomBytes(n).toString('base64url').slice(0, n);
const fileId = (kind: string) => `${kind.slice(0, 2).toUpperCase()}ACAgEAAxkBAAI${randomToken(40)}`;

export class TelegramSimulator {
  private readonly bots = new Map<number, SimBot>();
  private readonly queues = new Map<number, UpdateQueue>();
  private readonly chats = new Map<number, SimChat>();
  /** `${botId}:${chatId}` → messages of that chat, by message_id. */
  private readonly messages = new Map<string, Map<number, { message: Message; fromBot: boolean }>>();
  private readonly nextMessageId = new Map<string, number>();
  private readonly callbackQueries = new Map<string, { botId: number; answered: boolean; answer?: Params }>();
  private readonly files = new Set<string>();
  private sentLog: SimSent[] = [];
  private faults: Array<SimFault & { count: number }> = [];
  private readonly options: Required<Omit<TelegramSimulatorOptions, 'logger'>> & { logger?: SimLogger };

  constructor(options: TelegramSimulatorOptions = {}) {
    this.options = {
      allowHttpWebhooks: options.allowHttpWebhooks ?? true,
      webhookRetryDelayMs: options.webhookRetryDelayMs ?? 500,
      webhookTimeoutMs: options.webhookTimeoutMs ?? 10_000,
      fetch: options.fetch ?? fetch,
      logger: options.logger,
    };
  }

  // --- bots and customers (control) ---------------------------------------------------------

  addBot(input: { id?: number; token?: string; username?: string; firstName?: string } = {}): SimBot {
    let id = input.id ?? randomInt(1_000_000_000, 8_000_000_000);
    let token = input.token;
    if (token) {
      const match = BOT_TOKEN.exec(token);
      if (!match) throw new SimControlError('token must look like <bot id>:<35 characters of A-Za-z0-9_->');
      id = Number(match[1]);
    }
    token ??= `${id}:${randomToken(35)}`;
    if (this.bots.has(id)) throw new SimControlError(`bot ${id} exists`, 409);
    const bot: SimBot = { id, token, username: input.username ?? `recado_${id}_bot`, firstName: input.firstName ?? 'recado' };
    this.bots.set(id, bot);
    this.queues.set(
      id,
      new UpdateQueue(randomInt(100_000_000, 900_000_000), {
        fetch: this.options.fetch,
        retryDelayMs: this.options.webhookRetryDelayMs,
        timeoutMs: this.options.webhookTimeoutMs,
        logger: this.options.logger,
        now: () => Date.now(),
      }),
    );
    return bot;
  }

  bot(idOrToken: number | string): SimBot {
    const bot = typeof idOrToken === 'number' || /^\d+$/.test(idOrToken) ? this.bots.get(Number(idOrToken)) : this.botByToken(idOrToken);
    if (!bot) throw new SimControlError(`no bot ${String(idOrToken).split(':')[0]}`, 404);
    return bot;
  }

  /** A customer writes to the bot. */
  customerSendsText(botId: number, input: CustomerInput & { text: string; replyToMessageId?: number }): Update {
    if (!input.text) throw new SimControlError('text is required');
    return this.customerMessage(botId, input, { text: input.text }, input.replyToMessageId);
  }

  customerSendsPhoto(botId: number, input: CustomerInput & { caption?: string }): Update {
    const id = fileId('photo');
    this.files.add(id);
    const photo = [90, 320, 800].map((w, i) => ({ file_id: i === 2 ? id : fileId('photo'), file_unique_id: randomToken(16), file_size: w * 150, width: w, height: Math.round(w * 0.75) }));
    return this.customerMessage(botId, input, { photo, ...(input.caption ? { caption: input.caption } : {}) });
  }

  customerSendsDocument(botId: number, input: CustomerInput & { fileName: string; mimeType?: string; caption?: string }): Update {
    const id = fileId('document');
    this.files.add(id);
    const document = { file_id: id, file_unique_id: randomToken(16), file_name: input.fileName, mime_type: input.mimeType ?? 'application/octet-stream', file_size: 48_213 };
    return this.customerMessage(botId, input, { document, ...(input.caption ? { caption: input.caption } : {}) });
  }

  /** The customer edits a message of theirs: an `edited_message` update. */
  customerEditsMessage(botId: number, input: { chatId: number; messageId: number; text: string }): Update {
    const stored = this.chatMessages(botId, input.chatId).get(input.messageId);
    if (!stored || stored.fromBot) throw new SimControlError(`chat ${input.chatId} has no customer message ${input.messageId}`, 404);
    const edited = { ...stored.message, text: input.text, edit_date: this.unixNow() } as Message;
    stored.message = edited;
    return this.queue(botId).push((update_id) => ({ update_id, edited_message: edited }) as Update);
  }

  /**
   * The customer presses an inline button of a bot's message (default: the last one with a
   * keyboard in that chat), chosen by its callback_data or its text.
   */
  customerPressesButton(botId: number, input: { chatId: number; messageId?: number; data?: string; text?: string }): Update {
    const chat = this.knownChat(input.chatId);
    const candidates = [...this.chatMessages(botId, input.chatId).values()].filter((m) => m.fromBot && m.message.reply_markup);
    const target = input.messageId === undefined ? candidates.at(-1) : candidates.find((m) => m.message.message_id === input.messageId);
    if (!target) throw new SimControlError(`chat ${input.chatId} has no bot message with an inline keyboard${input.messageId ? ` ${input.messageId}` : ''}`, 404);
    const buttons = (target.message.reply_markup as InlineKeyboardMarkup).inline_keyboard.flat();
    const button = buttons.find((btn) => {
      const data = (btn as { callback_data?: unknown }).callback_data;
      return typeof data === 'string' && (input.data !== undefined ? data === input.data : btn.text === input.text);
    });
    if (!button) throw new SimControlError(`message ${target.message.message_id} has no callback button ${input.data ?? input.text}`, 404);
    const id = String(BigInt(randomInt(1, 2 ** 47)) * 1000n + BigInt(randomInt(0, 999)));
    this.callbackQueries.set(id, { botId, answered: false });
    const query: CallbackQuery = {
      id,
      from: chat.user,
      message: target.message,
      chat_instance: String(-BigInt(input.chatId) * 7919n),
      data: (button as { callback_data: string }).callback_data,
    };
    return this.queue(botId).push((update_id) => ({ update_id, callback_query: query }));
  }

  /** Any other update, e.g. `my_chat_member` or a type Telegram adds later; update_id is assigned. */
  pushRawUpdate(botId: number, body: Record<string, unknown>): Update {
    return this.queue(botId).push((update_id) => ({ ...body, update_id }) as Update);
  }

  blockBot(botId: number, chatId: number, isBlocked = true): void {
    const chat = this.knownChat(chatId);
    if (isBlocked) chat.blockedBots.add(botId);
    else chat.blockedBots.delete(botId);
  }

  addFault(fault: SimFault): void {
    if (fault.code === undefined && fault.answerLateMs === undefined) throw new SimControlError('a fault needs code or answerLateMs');
    if (fault.code !== undefined && (fault.code < 400 || fault.code > 599)) throw new SimControlError('code must be an HTTP error status 400-599');
    this.faults.push({ ...fault, method: fault.method?.toLowerCase(), count: fault.count ?? 1 });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** What bots sent (sendMessage, send<Media>, editMessageText), oldest first. */
  sent(filter: { botId?: number; chatId?: number; method?: string } = {}): SimSent[] {
    return this.sentLog.filter(
      (s) => (filter.botId === undefined || s.botId === filter.botId) && (filter.chatId === undefined || s.chatId === filter.chatId) && (filter.method === undefined || s.method === filter.method),
    );
  }

  callbackAnswers(botId?: number): Array<{ id: string; answer: Params }> {
    return [...this.callbackQueries.entries()]
      .filter(([, q]) => q.answered && (botId === undefined || q.botId === botId))
      .map(([id, q]) => ({ id, answer: q.answer ?? {} }));
  }

  webhookAttempts(botId: number) {
    return [...this.queue(botId).attempts];
  }

  pendingUpdates(botId: number): Update[] {
    return this.queue(botId).pendingUpdates();
  }

  close(): void {
    for (const q of this.queues.values()) q.close();
  }

  // --- Bot API ------------------------------------------------------------------------------

  /** One Bot API call: `POST|GET /bot<token>/<method>`. Answers the documented envelope. */
  async handle(req: { token: string; method: string; params: Params }): Promise<{ status: number; body: unknown }> {
    try {
      const bot = this.botByToken(req.token);
      if (!bot) throw unauthorized();
      const method = CANONICAL[req.method.toLowerCase()];
      if (!method) throw notFound();
      const fault = this.takeFault(bot.id, method);
      if (fault?.code !== undefined) {
        if (fault.code === 429) throw tooManyRequests(fault.retryAfter ?? 5);
        throw new BotApiError(fault.code, fault.description ?? (fault.code >= 500 ? 'Internal Server Error' : fault.code === 403 ? 'Forbidden: bot was blocked by the user' : 'Bad Request: simulated'));
      }
      const body = await this.call(bot, method, req.params);
      // unref: a held answer does not keep a finished test process alive.
      if (fault?.answerLateMs) await new Promise((r) => setTimeout(r, fault.answerLateMs).unref());
      return { status: 200, body };
    } catch (err) {
      if (err instanceof BotApiError) return { status: err.errorCode, body: err.toBody() };
      throw err;
    }
  }

  private async call(bot: SimBot, method: string, p: Params): Promise<unknown> {
    switch (method) {
      case 'getMe':
        return success({
          id: bot.id,
          is_bot: true,
          first_name: bot.firstName,
          username: bot.username,
          can_join_groups: true,
          can_read_all_group_messages: false,
          supports_inline_queries: false,
          can_connect_to_business: false,
          has_main_web_app: false,
        });
      case 'sendMessage': {
        const text = checkText(p);
        return success(this.botSends(bot, method, p, { text }));
      }
      case 'sendPhoto':
      case 'sendDocument':
      case 'sendVideo':
      case 'sendAudio':
        return success(this.botSendsMedia(bot, method, p));
      case 'editMessageText':
        return success(this.editMessageText(bot, p));
      case 'answerCallbackQuery': {
        const id = stringField(p, 'callback_query_id');
        const query = id ? this.callbackQueries.get(id) : undefined;
        if (!query || query.botId !== bot.id || query.answered) throw badRequest('query is too old and response timeout expired or query ID is invalid');
        const text = stringField(p, 'text');
        if (text && text.length > LIMITS.callbackAnswerMax) throw badRequest('MESSAGE_TOO_LONG');
        query.answered = true;
        query.answer = p;
        return success(true);
      }
      case 'setWebhook': {
        const url = stringField(p, 'url') ?? '';
        const queue = this.queue(bot.id);
        const drop = boolField(p, 'drop_pending_updates') ?? false;
        if (url === '') {
          const had = queue.deleteWebhook(drop);
          return success(true, had ? 'Webhook was deleted' : 'Webhook is already deleted');
        }
        checkWebhookUrl(url, this.options.allowHttpWebhooks);
        const maxConnections = intField(p, 'max_connections') ?? 40;
        if (maxConnections < 1 || maxConnections > 100) throw badRequest('bad webhook: max_connections must be between 1 and 100');
        const allowed = jsonField(p, 'allowed_updates');
        if (allowed !== undefined && (!Array.isArray(allowed) || allowed.some((a) => typeof a !== 'string'))) throw badRequest("can't parse allowed updates");
        const wasSet = queue.webhook?.url === url;
        queue.setWebhook({ url, secretToken: checkSecretToken(p), allowedUpdates: allowed as string[] | undefined, maxConnections }, drop);
        return success(true, wasSet ? 'Webhook is already set' : 'Webhook was set');
      }
      case 'deleteWebhook': {
        const had = this.queue(bot.id).deleteWebhook(boolField(p, 'drop_pending_updates') ?? false);
        return success(true, had ? 'Webhook was deleted' : 'Webhook is already deleted');
      }
      case 'getWebhookInfo':
        return success(this.queue(bot.id).info());
      case 'getUpdates': {
        const limit = intField(p, 'limit') ?? 100;
        const timeout = intField(p, 'timeout') ?? 0;
        if (limit < 1 || limit > LIMITS.getUpdatesLimitMax) throw badRequest('limit must be between 1 and 100');
        const allowed = jsonField(p, 'allowed_updates');
        const updates = await this.queue(bot.id).getUpdates({
          offset: intField(p, 'offset'),
          limit,
          timeoutSeconds: Math.max(0, Math.min(timeout, LIMITS.pollTimeoutMax)),
          allowedUpdates: Array.isArray(allowed) ? (allowed as string[]) : undefined,
        });
        return success(updates);
      }
      default:
        throw notFound();
    }
  }

  private botSendsMedia(bot: SimBot, method: string, p: Params): Message {
    const field: MediaField = MEDIA_METHODS[method.toLowerCase() as keyof typeof MEDIA_METHODS];
    const ref = stringField(p, field);
    if (!ref) throw badRequest(`there is no ${field} in the request`);
    if (!/^https?:\/\/\S+$/i.test(ref) && !this.files.has(ref)) throw badRequest('wrong file identifier/HTTP URL specified');
    const caption = checkCaption(p);
    const id = /^https?:/i.test(ref) ? fileId(field) : ref;
    this.files.add(id);
    const file = { file_id: id, file_unique_id: randomToken(16), file_size: 102_400 };
    const media =
      field === 'photo'
        ? { photo: [{ ...file, width: 800, height: 600 }] }
        : field === 'document'
          ? { document: { ...file, file_name: decodeURIComponent(ref.split(/[/?#]/).filter(Boolean).pop() ?? 'file') } }
          : field === 'video'
            ? { video: { ...file, width: 1280, height: 720, duration: 10 } }
            : { audio: { ...file, duration: 30 } };
    return this.botSends(bot, method, p, { ...media, ...(caption ? { caption } : {}) });
  }

  private botSends(bot: SimBot, method: string, p: Params, content: Record<string, unknown>): Message {
    const chatId = chatIdField(p);
    if (typeof chatId !== 'number') throw badRequest('chat not found');
    const chat = this.chats.get(chatId);
    if (!chat || !this.messages.has(`${bot.id}:${chatId}`)) throw badRequest('chat not found');
    if (chat.blockedBots.has(bot.id)) throw blocked();
    const markup = checkReplyMarkup(p);
    const reply = replyParameters(p);
    const messages = this.chatMessages(bot.id, chatId);
    let replyTo: Message | undefined;
    if (reply) {
      replyTo = reply.message_id === undefined ? undefined : messages.get(reply.message_id)?.message;
      if (!replyTo && !reply.allow_sending_without_reply) throw badRequest('message to be replied not found');
    }
    const message = {
      message_id: this.newMessageId(bot.id, chatId),
      from: this.botUser(bot),
      chat: this.privateChat(chat.user),
      date: this.unixNow(),
      ...(replyTo ? { reply_to_message: replyTo } : {}),
      ...content,
      ...(markup ? { reply_markup: markup } : {}),
    } as Message;
    messages.set(message.message_id, { message, fromBot: true });
    const params = { ...p, ...(p.reply_markup !== undefined ? { reply_markup: jsonField(p, 'reply_markup') } : {}) };
    this.sentLog.push({ botId: bot.id, chatId, method, messageId: message.message_id, params, message, at: new Date().toISOString() });
    return message;
  }

  private editMessageText(bot: SimBot, p: Params): Message {
    if (p.inline_message_id !== undefined) throw badRequest('message to edit not found');
    const chatId = chatIdField(p);
    const messageId = intField(p, 'message_id');
    if (messageId === undefined) throw badRequest('message identifier is not specified');
    const stored = typeof chatId === 'number' ? this.messages.get(`${bot.id}:${chatId}`)?.get(messageId) : undefined;
    if (!stored) throw badRequest('message to edit not found');
    if (!stored.fromBot) throw badRequest("message can't be edited");
    const text = checkText(p);
    const markup = checkReplyMarkup(p);
    const before = stored.message as Message & { text?: string };
    if (before.text === text && JSON.stringify(before.reply_markup) === JSON.stringify(markup)) {
      throw badRequest('message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message');
    }
    // Without reply_markup the edit removes the keyboard, as Telegram does.
    const edited = { ...before, text, edit_date: this.unixNow(), reply_markup: markup } as Message;
    if (!markup) delete (edited as { reply_markup?: unknown }).reply_markup;
    stored.message = edited;
    this.sentLog.push({ botId: bot.id, chatId: chatId as number, method: 'editMessageText', messageId, params: p, message: edited, at: new Date().toISOString() });
    return edited;
  }

  // --- helpers ------------------------------------------------------------------------------

  private customerMessage(botId: number, input: CustomerInput, content: Record<string, unknown>, replyToMessageId?: number): Update {
    this.bot(botId);
    const chat = this.customer(input);
    const messages = this.chatMessages(botId, input.chatId);
    const replyTo = replyToMessageId === undefined ? undefined : messages.get(replyToMessageId)?.message;
    if (replyToMessageId !== undefined && !replyTo) throw new SimControlError(`chat ${input.chatId} has no message ${replyToMessageId}`, 404);
    const message = {
      message_id: this.newMessageId(botId, input.chatId),
      from: chat.user,
      chat: this.privateChat(chat.user),
      date: this.unixNow(),
      ...(replyTo ? { reply_to_message: replyTo } : {}),
      ...content,
    } as Message;
    messages.set(message.message_id, { message, fromBot: false });
    return this.queue(botId).push((update_id) => ({ update_id, message }) as Update);
  }

  private customer(input: CustomerInput): SimChat {
    if (!Number.isSafeInteger(input.chatId) || input.chatId <= 0) throw new SimControlError('chatId must be a positive integer (a private chat is the user id)');
    let chat = this.chats.get(input.chatId);
    if (!chat) {
      chat = {
        user: {
          id: input.chatId,
          is_bot: false,
          first_name: input.firstName ?? 'Maria',
          ...(input.lastName ? { last_name: input.lastName } : {}),
          ...(input.username ? { username: input.username } : {}),
          language_code: 'pt-br',
        },
        blockedBots: new Set(),
      };
      this.chats.set(input.chatId, chat);
    }
    return chat;
  }

  private knownChat(chatId: number): SimChat {
    const chat = this.chats.get(chatId);
    if (!chat) throw new SimControlError(`no chat ${chatId}: a customer must write first`, 404);
    return chat;
  }

  private chatMessages(botId: number, chatId: number) {
    const key = `${botId}:${chatId}`;
    let map = this.messages.get(key);
    if (!map) {
      map = new Map();
      this.messages.set(key, map);
    }
    return map;
  }

  private newMessageId(botId: number, chatId: number): number {
    const key = `${botId}:${chatId}`;
    const id = this.nextMessageId.get(key) ?? 1;
    this.nextMessageId.set(key, id + 1);
    return id;
  }

  private privateChat(user: User): Chat {
    return { id: user.id, type: 'private', first_name: user.first_name, ...(user.last_name ? { last_name: user.last_name } : {}), ...(user.username ? { username: user.username } : {}) } as Chat;
  }

  private botUser(bot: SimBot): User {
    return { id: bot.id, is_bot: true, first_name: bot.firstName, username: bot.username };
  }

  private botByToken(token: string): SimBot | undefined {
    const match = BOT_TOKEN.exec(token);
    const bot = match ? this.bots.get(Number(match[1])) : undefined;
    return bot?.token === token ? bot : undefined;
  }

  private queue(botId: number): UpdateQueue {
    const queue = this.queues.get(botId);
    if (!queue) throw new SimControlError(`no bot ${botId}`, 404);
    return queue;
  }

  private takeFault(botId: number, method: string): SimFault | undefined {
    const index = this.faults.findIndex((f) => (f.botId === undefined || f.botId === botId) && (f.method === undefined || f.method === method.toLowerCase()));
    if (index === -1) return undefined;
    const fault = this.faults[index];
    if (fault.skip) {
      fault.skip -= 1;
      return undefined;
    }
    fault.count -= 1;
    if (fault.count <= 0) this.faults.splice(index, 1);
    return fault;
  }

  private unixNow(): number {
    return Math.floor(Date.now() / 1000);
  }
}
