import type { ApiError, ApiSuccess, InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters } from '@grammyjs/types';

/**
 * The Bot API's envelope, errors and request rules as core.telegram.org/bots/api documents them,
 * for the simulator: `{"ok":true,"result":…}` / `{"ok":false,"error_code":…,"description":…}`,
 * parameters from a query string, a form or JSON, and the limits Telegram enforces on them.
 */

/** A Bot API error the simulator answers with (the envelope's error_code is the HTTP status). */
export class BotApiError extends Error {
  constructor(
    readonly errorCode: number,
    readonly description: string,
    readonly retryAfter?: number,
  ) {
    super(description);
  }

  toBody(): ApiError {
    return {
      ok: false,
      error_code: this.errorCode,
      description: this.description,
      ...(this.retryAfter !== undefined ? { parameters: { retry_after: this.retryAfter } } : {}),
    };
  }
}

/** A mistake in a call to the simulator's control API (`/_sim/…`), not a Bot API answer. */
export class SimControlError extends Error {
  constructor(
    message: string,
    readonly httpStatus = 400,
  ) {
    super(message);
  }
}

export const badRequest = (what: string) => new BotApiError(400, `Bad Request: ${what}`);
export const unauthorized = () => new BotApiError(401, 'Unauthorized');
export const notFound = () => new BotApiError(404, 'Not Found');
export const blocked = () => new BotApiError(403, 'Forbidden: bot was blocked by the user');
export const tooManyRequests = (retryAfter: number) => new BotApiError(429, `Too Many Requests: retry after ${retryAfter}`, retryAfter);
export const webhookActive = () =>
  new BotApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
export const otherGetUpdates = () =>
  new BotApiError(409, 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running');

export function success<T>(result: T, description?: string): ApiSuccess<T> & { description?: string } {
  return description === undefined ? { ok: true, result } : { ok: true, result, description };
}

export const LIMITS = {
  /** sendMessage / editMessageText text, after entities parsing. */
  textMax: 4096,
  /** Media captions, after entities parsing. */
  captionMax: 1024,
  callbackDataMaxBytes: 64,
  /** answerCallbackQuery text. */
  callbackAnswerMax: 200,
  secretTokenMax: 256,
  getUpdatesLimitMax: 100,
  /** Telegram answers getUpdates long polls after at most this many seconds. */
  pollTimeoutMax: 50,
} as const;

const SECRET_TOKEN = /^[A-Za-z0-9_-]{1,256}$/;
export const BOT_TOKEN = /^(\d+):([A-Za-z0-9_-]{35})$/;

export type Params = Record<string, unknown>;

/**
 * Telegram reads every parameter from a query string, an urlencoded form or a JSON body; in the
 * first two, objects (reply_markup, reply_parameters) arrive JSON-serialised and numbers as text.
 */
export function jsonField(params: Params, name: string): unknown {
  const value = params[name];
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    throw badRequest(`can't parse ${name} JSON object`);
  }
}

export function intField(params: Params, name: string): number | undefined {
  const value = params[name];
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw badRequest(`field "${name}" must be of type Integer`);
  return n;
}

export function boolField(params: Params, name: string): boolean | undefined {
  const value = params[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (value === true || value === 'true' || value === 'True' || value === '1' || value === 1) return true;
  if (value === false || value === 'false' || value === 'False' || value === '0' || value === 0) return false;
  throw badRequest(`field "${name}" must be of type Boolean`);
}

export function stringField(params: Params, name: string): string | undefined {
  const value = params[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') throw badRequest(`field "${name}" must be of type String`);
  return value;
}

/** chat_id: an integer or `@channelusername`. */
export function chatIdField(params: Params): number | string {
  const value = params.chat_id;
  if (value === undefined || value === null || value === '') throw badRequest('chat_id is empty');
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value);
  if (typeof value === 'string' && /^@[A-Za-z0-9_]{4,}$/.test(value)) return value;
  throw badRequest('chat not found');
}

/** UTF-16 code units, as Telegram counts text lengths and entity offsets. */
export const utf16Length = (s: string) => s.length;

const HTML_TAGS = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'span', 'tg-spoiler', 'a', 'code', 'pre', 'blockquote', 'tg-emoji', 'tg-time']);

/**
 * The text a user sees once `parse_mode` markup is applied: its length is what the limits count.
 * HTML tags are checked against the documented set; Markdown markers are removed.
 */
export function visibleText(text: string, parseMode: string | undefined): string {
  if (!parseMode) return text;
  switch (parseMode) {
    case 'HTML': {
      const open: string[] = [];
      const stripped = text.replace(/<(\/?)([a-zA-Z-]+)[^>]*>/g, (_m, closing: string, tag: string) => {
        const name = tag.toLowerCase();
        if (!HTML_TAGS.has(name)) throw badRequest(`can't parse entities: Unsupported start tag "${name}" at byte offset ${text.indexOf(_m)}`);
        if (closing) {
          if (open.pop() !== name) throw badRequest(`can't parse entities: Unmatched end tag at byte offset ${text.indexOf(_m)}, expected "</${open.at(-1) ?? ''}>", found "</${name}>"`);
        } else open.push(name);
        return '';
      });
      if (open.length) throw badRequest(`can't parse entities: Can't find end tag corresponding to start tag "${open.at(-1)}"`);
      return stripped.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
    }
    case 'MarkdownV2':
      return text.replace(/\\([_*[\]()~`>#+\-=|{}.!\\])/g, '\u0000$1').replace(/(\*|__|_|~|\|\||`{1,3})/g, '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/\u0000/g, '');
    case 'Markdown':
      return text.replace(/[*_`]/g, '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    default:
      throw badRequest(`unsupported parse_mode "${parseMode}"`);
  }
}

/** `text` of sendMessage / editMessageText: 1-4096 characters after entities parsing. */
export function checkText(params: Params): string {
  const text = stringField(params, 'text');
  if (text === undefined || text === '') throw badRequest('message text is empty');
  const visible = visibleText(text, stringField(params, 'parse_mode'));
  if (visible.trim() === '') throw badRequest('message text is empty');
  if (utf16Length(visible) > LIMITS.textMax) throw badRequest('message is too long');
  return text;
}

export function checkCaption(params: Params): string | undefined {
  const caption = stringField(params, 'caption');
  if (caption === undefined) return undefined;
  if (utf16Length(visibleText(caption, stringField(params, 'parse_mode'))) > LIMITS.captionMax) throw badRequest('message caption is too long');
  return caption;
}

/** Fields of InlineKeyboardButton that make it do something; exactly one is required. */
const BUTTON_ACTIONS = [
  'url',
  'callback_data',
  'web_app',
  'login_url',
  'switch_inline_query',
  'switch_inline_query_current_chat',
  'switch_inline_query_chosen_chat',
  'copy_text',
  'callback_game',
  'pay',
] as const;

export function checkReplyMarkup(params: Params): InlineKeyboardMarkup | undefined {
  const markup = jsonField(params, 'reply_markup');
  if (markup === undefined || markup === null) return undefined;
  if (typeof markup !== 'object' || Array.isArray(markup)) throw badRequest("can't parse reply keyboard markup JSON object");
  const rows = (markup as { inline_keyboard?: unknown }).inline_keyboard;
  if (rows === undefined) {
    // Reply keyboards, ForceReply and ReplyKeyboardRemove are accepted as they are.
    return undefined;
  }
  if (!Array.isArray(rows) || rows.some((row) => !Array.isArray(row))) {
    throw badRequest('field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays');
  }
  for (const row of rows as unknown[][]) {
    for (const raw of row) {
      if (!raw || typeof raw !== 'object') throw badRequest("can't parse inline keyboard button: InlineKeyboardButton must be an Object");
      const button = raw as Record<string, unknown>;
      if (typeof button.text !== 'string') throw badRequest(`can't parse inline keyboard button: Field "text" must be of type String`);
      if (button.text.trim() === '') throw badRequest('text buttons are unallowed in the inline keyboard');
      const actions = BUTTON_ACTIONS.filter((a) => button[a] !== undefined);
      if (actions.length === 0) throw badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard");
      if (actions.length > 1) throw badRequest("can't parse inline keyboard button: a button must have exactly one optional field");
      if (button.callback_data !== undefined) {
        const data = button.callback_data;
        if (typeof data !== 'string' || Buffer.byteLength(data, 'utf8') < 1 || Buffer.byteLength(data, 'utf8') > LIMITS.callbackDataMaxBytes) {
          throw badRequest('BUTTON_DATA_INVALID');
        }
      }
      if (button.url !== undefined && (typeof button.url !== 'string' || !/^(https?|tg):\/\/\S+$/i.test(button.url))) {
        throw badRequest('BUTTON_URL_INVALID');
      }
    }
  }
  return { inline_keyboard: rows as InlineKeyboardButton[][] };
}

/** reply_parameters (or the deprecated reply_to_message_id): the message this one answers. */
export function replyParameters(params: Params): ReplyParameters | undefined {
  const value = jsonField(params, 'reply_parameters');
  if (value !== undefined && value !== null) {
    if (typeof value !== 'object') throw badRequest("can't parse reply parameters JSON object");
    const id = (value as { message_id?: unknown }).message_id;
    if (typeof id !== 'number' || !Number.isSafeInteger(id)) throw badRequest('field "message_id" of the ReplyParameters must be of type Integer');
    return value as ReplyParameters;
  }
  const legacy = intField(params, 'reply_to_message_id');
  return legacy === undefined ? undefined : { message_id: legacy };
}

export function checkSecretToken(params: Params): string | undefined {
  const token = stringField(params, 'secret_token');
  if (token === undefined || token === '') return undefined;
  if (!SECRET_TOKEN.test(token)) throw badRequest('secret token contains unallowed characters');
  return token;
}

export function checkWebhookUrl(url: string, allowHttp: boolean): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badRequest('invalid webhook URL specified');
  }
  if (parsed.protocol === 'https:') return;
  // Telegram wants HTTPS; the simulator lets a local receiver use plain HTTP when allowed.
  if (parsed.protocol === 'http:' && allowHttp) return;
  throw badRequest('bad webhook: An HTTPS URL must be provided for webhook');
}
