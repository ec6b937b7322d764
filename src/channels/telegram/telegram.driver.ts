import type { InlineKeyboardButton, Message } from '@grammyjs/types';
import { InvalidFieldError } from '../../common/errors';
import {
  ChannelSendError,
  type ChannelCapabilities,
  type ChannelDriver,
  type MessageContent,
  type OpenChannelAccount,
  type RenderedMessage,
  type RenderInput,
  type SendResult,
} from '../driver';
import { TelegramApiError, TelegramClient, TelegramTransportError } from './telegram.client';
import type { TelegramConfig } from './telegram.config';

/**
 * Telegram bots through the Bot API. A customer is a chat id; recado's buttons become an inline
 * keyboard whose callback_data is the button id; media go by URL. The Bot API has no idempotency
 * key and no way to ask whether a message was sent, so an attempt that died mid-call is never
 * repeated on Telegram (`never-resend`).
 */

/** The Bot API's documented limits (core.telegram.org/bots/api). */
export const TELEGRAM_LIMITS = {
  /** sendMessage text, 1-4096 characters after entities parsing (recado sends plain text). */
  textMax: 4096,
  captionMax: 1024,
  callbackDataMaxBytes: 64,
} as const;

const BOT_TOKEN = /^(\d+):[A-Za-z0-9_-]{35}$/;
const WEBHOOK_SECRET = /^[A-Za-z0-9_-]{1,256}$/;
const CHAT_ID = /^-?[1-9][0-9]{0,19}$/;
const MEDIA = {
  image: { method: 'sendPhoto', field: 'photo' },
  document: { method: 'sendDocument', field: 'document' },
  video: { method: 'sendVideo', field: 'video' },
  audio: { method: 'sendAudio', field: 'audio' },
} as const;
const SEND_METHODS = new Set(['sendMessage', 'sendPhoto', 'sendDocument', 'sendVideo', 'sendAudio']);

export type TelegramDelivery = 'webhook' | 'polling';

/** The bot id a token belongs to (its digits before the colon): a Telegram channel account's address. */
export function botIdOfToken(token: string): string | null {
  return BOT_TOKEN.exec(token)?.[1] ?? null;
}

/**
 * `<bot_id>:<chat_id>:<message_id>`. A message id is only unique within its chat, and a private
 * chat's id is the user's id for every bot: two bots (two businesses) talking to one customer
 * see the same `<chat_id>:<message_id>` pairs, so the bot is part of the id.
 */
export function telegramProviderMessageId(botId: string, chatMessage: string): string {
  return `${botId}:${chatMessage}`;
}

export function parseProviderMessageId(id: string): { botId: string; chatId: string; messageId: number } | null {
  // An edit's id carries a suffix (`:e<edit_date>`); it still names the message.
  const match = /^(\d+):(-?\d+):(\d+)(?::e\w+)?$/.exec(id);
  return match ? { botId: match[1], chatId: match[2], messageId: Number(match[3]) } : null;
}

const utf16 = (s: string) => s.length;

export class TelegramDriver implements ChannelDriver {
  readonly channel = 'telegram' as const;
  readonly identityKind = 'telegram' as const;
  readonly unknownOutcome = 'never-resend' as const;
  readonly capabilities: ChannelCapabilities = {
    text: true,
    template: false,
    buttons: true,
    media: true,
    readReceipts: false,
    deliveryReceipts: false,
  };

  constructor(private readonly client: TelegramClient) {}

  render(input: RenderInput): RenderedMessage {
    const { content } = input;
    if (!CHAT_ID.test(input.recipient)) throw new InvalidFieldError('recipient', 'must be a Telegram chat id (an integer)');
    const chatId = Number(input.recipient);
    if (!Number.isSafeInteger(chatId)) throw new InvalidFieldError('recipient', 'is not a chat id Telegram can address');
    const text = typeof content.text === 'string' ? content.text : '';

    const params: Record<string, unknown> = { chat_id: chatId };
    let method: string;
    let type: string;
    if (content.media) {
      const media = content.media;
      const kind = MEDIA[media.kind];
      if (!kind) throw new InvalidFieldError('content.media.kind', 'must be image, document, video or audio');
      if (!/^https?:\/\/\S+$/i.test(media.url ?? '')) throw new InvalidFieldError('content.media.url', 'must be an http(s) URL Telegram can fetch');
      const captionField = media.caption !== undefined ? 'content.media.caption' : 'content.text';
      const caption = media.caption ?? text;
      if (utf16(caption) > TELEGRAM_LIMITS.captionMax) {
        throw new InvalidFieldError(captionField, `is the media caption on Telegram: at most ${TELEGRAM_LIMITS.captionMax} characters (got ${utf16(caption)})`);
      }
      method = kind.method;
      type = media.kind;
      params[kind.field] = media.url;
      if (caption.trim() !== '') params.caption = caption;
    } else {
      if (text.trim() === '') throw new InvalidFieldError('content.text', 'is required');
      if (utf16(text) > TELEGRAM_LIMITS.textMax) {
        throw new InvalidFieldError('content.text', `must be at most ${TELEGRAM_LIMITS.textMax} characters on Telegram (got ${utf16(text)})`);
      }
      method = 'sendMessage';
      type = content.buttons?.length ? 'interactive' : 'text';
      params.text = text;
    }

    const keyboard = inlineKeyboard(content.buttons);
    if (keyboard) params.reply_markup = { inline_keyboard: keyboard };

    const replyTo = input.inReplyTo ? parseProviderMessageId(input.inReplyTo.providerMessageId) : null;
    // A reply quotes the customer's message when it is in this chat; if it was deleted the message still goes.
    if (replyTo && replyTo.chatId === String(chatId) && replyTo.botId === input.account.address) {
      params.reply_parameters = { message_id: replyTo.messageId, allow_sending_without_reply: true };
    }
    return { type, body: { method, params } };
  }

  async send(account: OpenChannelAccount, message: { id: string; body: Record<string, unknown> }): Promise<SendResult> {
    const token = account.secrets.bot_token;
    if (!token) throw new ChannelSendError(`channel account ${account.id} has no bot_token`, false, 'no_bot_token');
    const method = message.body.method;
    const params = message.body.params;
    if (typeof method !== 'string' || !SEND_METHODS.has(method) || !params || typeof params !== 'object') {
      throw new ChannelSendError(`message ${message.id} was not rendered for Telegram`, false, 'not_rendered');
    }
    if (!/^\d+$/.test(account.address)) throw new ChannelSendError(`channel account ${account.id}: address is not a bot id`, false, 'bad_address');
    let sent: Message;
    try {
      sent = (await this.client.call(token, method as 'sendMessage', params as Record<string, unknown>)) as Message;
    } catch (err) {
      throw classifySendError(err);
    }
    return { providerMessageId: telegramProviderMessageId(account.address, `${sent.chat.id}:${sent.message_id}`) };
  }

  validateAccount(settings: Record<string, unknown>, secrets: Record<string, string>): void {
    const token = secrets.bot_token;
    if (typeof token !== 'string' || token === '') throw new InvalidFieldError('secrets.bot_token', 'is required: the token @BotFather gave the bot');
    if (!BOT_TOKEN.test(token)) throw new InvalidFieldError('secrets.bot_token', 'must look like <bot id>:<35 characters of A-Z, a-z, 0-9, _ or ->');
    const delivery = settings.delivery;
    if (delivery !== 'webhook' && delivery !== 'polling') throw new InvalidFieldError('settings.delivery', 'must be webhook or polling');
    const secret = secrets.webhook_secret;
    if (delivery === 'webhook' && (typeof secret !== 'string' || secret === '')) {
      throw new InvalidFieldError('secrets.webhook_secret', 'is required with settings.delivery webhook: the secret_token given to setWebhook');
    }
    if (secret !== undefined && (typeof secret !== 'string' || !WEBHOOK_SECRET.test(secret))) {
      throw new InvalidFieldError('secrets.webhook_secret', 'must be 1-256 characters of A-Z, a-z, 0-9, _ or - (what Telegram accepts as secret_token)');
    }
  }
}

function inlineKeyboard(buttons: MessageContent['buttons']): InlineKeyboardButton[][] | null {
  if (!buttons?.length) return null;
  const seen = new Map<string, number>();
  return buttons.map((button, i) => {
    const id = typeof button?.id === 'string' ? button.id : '';
    const title = typeof button?.title === 'string' ? button.title : '';
    if (title.trim() === '') throw new InvalidFieldError(`content.buttons[${i}].title`, 'is required');
    const bytes = Buffer.byteLength(id, 'utf8');
    if (bytes < 1 || bytes > TELEGRAM_LIMITS.callbackDataMaxBytes) {
      throw new InvalidFieldError(`content.buttons[${i}].id`, `must be 1-${TELEGRAM_LIMITS.callbackDataMaxBytes} bytes: it is the button's callback_data on Telegram (got ${bytes})`);
    }
    const first = seen.get(id);
    if (first !== undefined) throw new InvalidFieldError(`content.buttons[${i}].id`, `repeats content.buttons[${first}].id: the reply could not tell them apart`);
    seen.set(id, i);
    // One button per row: titles stay readable on a phone.
    return [{ text: title, callback_data: id }];
  });
}

/** Telegram's answer (or silence) as the send workflow needs it: retry, or give up with the reason. */
export function classifySendError(err: unknown): ChannelSendError {
  if (err instanceof TelegramApiError) {
    const code = String(err.errorCode);
    if (err.errorCode === 429) {
      return new ChannelSendError(err.message, true, code, (err.retryAfter ?? 1) * 1000);
    }
    if (err.errorCode >= 500) return new ChannelSendError(err.message, true, code);
    // 400 (bad request, chat not found), 401 (token revoked), 403 (blocked by the user), 404, 409.
    return new ChannelSendError(err.message, false, code);
  }
  if (err instanceof TelegramTransportError) {
    // Refused before it left: safe to try again. Sent without an answer: the Bot API has no way to
    // tell whether it was delivered, and a repeat could reach the customer twice.
    return err.requestSent
      ? new ChannelSendError(`${err.message} (the message may have been sent)`, false, 'outcome_unknown')
      : new ChannelSendError(err.message, true, 'unreachable');
  }
  return new ChannelSendError((err as Error)?.message ?? String(err), true, null);
}

export function createTelegramDriver(config: Pick<TelegramConfig, 'apiUrl' | 'requestTimeoutMs'>, fetchImpl?: typeof fetch): TelegramDriver {
  return new TelegramDriver(new TelegramClient({ apiUrl: config.apiUrl, timeoutMs: config.requestTimeoutMs, fetch: fetchImpl }));
}
