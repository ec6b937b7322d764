import type { CallbackQuery, Message } from '@grammyjs/types';
import { InvalidDeliveryError, type DeliveryEvent, type ParsedDelivery } from '../../webhooks/inbound-delivery';

/**
 * A Telegram Update (one per webhook POST, one per getUpdates item) read liberally: numbers as
 * text, a chat without its type, fields Telegram adds later are all accepted; an update type
 * recado does not act on is ignored and counted; only an update nobody can read is invalid.
 */

interface EventBase extends DeliveryEvent {
  updateId: number;
  /** The bot's channel account the delivery came through. */
  channelAccountId: string;
}
type Base = Pick<EventBase, 'updateId' | 'dedupeKey' | 'channelAccountId'>;

/** A customer's message (or an edit of one, or a channel post) for the conversation thread. */
export interface TelegramMessageEvent extends EventBase {
  kind: 'message';
  chatId: string;
  /** `<chat_id>:<message_id>` (`:e<edit_date>` for an edit); the handler prefixes the bot id. */
  chatMessage: string;
  type: 'text' | 'image' | 'document' | 'video' | 'audio' | 'unsupported';
  fromName: string | null;
  at: Date;
  body: Message;
}

/** A customer pressed an inline button: a reply of type `button` whose id is the callback_data. */
export interface TelegramButtonEvent extends EventBase {
  kind: 'button';
  chatId: string;
  /** `<chat_id>:cb<callback_query id>`; the handler prefixes the bot id. */
  chatMessage: string;
  callbackQueryId: string;
  data: string;
  /** The pressed button's text, when the message it was on came with the query. */
  title: string | null;
  /** The bot's message the button was on (`<chat_id>:<message_id>`, before the bot id), when Telegram says. */
  pressedOn: string | null;
  fromName: string | null;
  at: Date;
  body: CallbackQuery;
}

export interface TelegramIgnoredEvent extends EventBase {
  kind: 'ignored';
  updateType: string;
}

export type TelegramEvent = TelegramMessageEvent | TelegramButtonEvent | TelegramIgnoredEvent;

const MESSAGE_UPDATES = ['message', 'edited_message', 'channel_post', 'edited_channel_post', 'business_message', 'edited_business_message'] as const;

/** Messages that only tell what happened in a chat (members, titles, pins): not a customer writing. */
const SERVICE_FIELDS = [
  'new_chat_members',
  'left_chat_member',
  'new_chat_title',
  'new_chat_photo',
  'delete_chat_photo',
  'group_chat_created',
  'supergroup_chat_created',
  'channel_chat_created',
  'message_auto_delete_timer_changed',
  'migrate_to_chat_id',
  'migrate_from_chat_id',
  'pinned_message',
  'forum_topic_created',
  'forum_topic_edited',
  'forum_topic_closed',
  'forum_topic_reopened',
  'video_chat_started',
  'video_chat_ended',
  'video_chat_scheduled',
  'video_chat_participants_invited',
  'chat_shared',
  'users_shared',
  'write_access_allowed',
  'boost_added',
];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An integer sent as a number or as text (Telegram sends numbers; proxies and tests sometimes do not). */
function integer(v: unknown): number | null {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d{1,16}$/.test(v.trim())) return Number(v.trim());
  return null;
}

function personName(p: unknown): string | null {
  if (!isObj(p)) return null;
  const name = [p.first_name, p.last_name].filter((s) => typeof s === 'string' && s.trim() !== '').join(' ').trim();
  return name || null;
}

function contentType(m: Obj): TelegramMessageEvent['type'] {
  if (typeof m.text === 'string') return 'text';
  if (Array.isArray(m.photo)) return 'image';
  if (isObj(m.video) || isObj(m.video_note)) return 'video';
  if (isObj(m.audio) || isObj(m.voice)) return 'audio';
  if (isObj(m.document) || isObj(m.animation)) return 'document';
  return 'unsupported';
}

function unixDate(v: unknown, at: string, warnings: string[]): Date {
  const seconds = integer(v);
  if (seconds !== null && seconds > 0) {
    if (typeof v === 'string') warnings.push(`${at}: a number sent as text`);
    return new Date(seconds * 1000);
  }
  warnings.push(`${at}: missing or not a Unix time; the time it was received is used`);
  return new Date();
}

/**
 * `scope` makes the de-duplication key: update_id is unique per bot, and the channel account
 * the delivery came through (webhook URL or poller) is one bot.
 */
export function parseTelegramUpdate(rawBody: string, scope: string | null): ParsedDelivery<TelegramEvent> {
  if (!scope) throw new InvalidDeliveryError('the delivery names no Telegram channel account (route hint missing)');
  let update: unknown;
  try {
    update = JSON.parse(rawBody);
  } catch (err) {
    throw new InvalidDeliveryError(`body is not JSON: ${(err as Error).message}`);
  }
  if (!isObj(update)) throw new InvalidDeliveryError('body is not a Telegram Update object');
  const warnings: string[] = [];
  const updateId = integer(update.update_id);
  if (updateId === null) throw new InvalidDeliveryError('update_id: missing or not an integer');
  if (typeof update.update_id === 'string') warnings.push('update_id: a number sent as text');
  const dedupeKey = `${scope}:${updateId}`;
  const base: Base = { updateId, dedupeKey, channelAccountId: scope };
  const rejected: ParsedDelivery<TelegramEvent>['rejected'] = [];
  const events: TelegramEvent[] = [];

  const type = Object.keys(update).find((k) => k !== 'update_id');
  if (type === undefined) throw new InvalidDeliveryError('the update holds no event (only update_id)');

  if ((MESSAGE_UPDATES as readonly string[]).includes(type)) {
    const event = readMessage(update[type], type, base, warnings);
    if ('reason' in event) rejected.push(event);
    else events.push(event);
  } else if (type === 'callback_query') {
    const event = readCallbackQuery(update.callback_query, base, warnings);
    if ('reason' in event) rejected.push(event);
    else events.push(event);
  } else {
    events.push({ kind: 'ignored', updateType: type, ...base });
  }
  return { events, rejected, warnings };
}

function readMessage(raw: unknown, field: string, base: Base, warnings: string[]): TelegramEvent | { at: string; reason: string } {
  if (!isObj(raw)) return { at: field, reason: 'not an object' };
  const chat = raw.chat;
  const chatId = isObj(chat) ? integer(chat.id) : null;
  if (chatId === null) return { at: `${field}.chat.id`, reason: 'missing or not an integer' };
  const messageId = integer(raw.message_id);
  if (messageId === null) return { at: `${field}.message_id`, reason: 'missing or not an integer' };
  if (isObj(chat) && typeof chat.type !== 'string') warnings.push(`${field}.chat.type: missing`);
  if (SERVICE_FIELDS.some((f) => raw[f] !== undefined)) {
    return { kind: 'ignored', updateType: `${field}:service`, ...base };
  }
  const edited = field.startsWith('edited_');
  let chatMessage = `${chatId}:${messageId}`;
  let at = unixDate(raw.date, `${field}.date`, warnings);
  if (edited) {
    // An edit is a new entry in the thread: the original keeps its id, the edit gets one of its own.
    const editDate = integer(raw.edit_date);
    if (editDate === null) warnings.push(`${field}.edit_date: missing; the update id tells the edits apart`);
    chatMessage = `${chatMessage}:e${editDate ?? `u${base.updateId}`}`;
    if (editDate !== null && editDate > 0) at = new Date(editDate * 1000);
  }
  const type = contentType(raw);
  if (type === 'unsupported') warnings.push(`${field}: content recado does not show (${Object.keys(raw).filter((k) => !['message_id', 'from', 'chat', 'date', 'sender_chat'].includes(k)).join(', ') || 'none'}); kept as unsupported`);
  return {
    kind: 'message',
    ...base,
    chatId: String(chatId),
    chatMessage,
    type,
    // A channel post has no sender but the channel.
    fromName: personName(raw.from) ?? (isObj(chat) ? (personName(chat) ?? (typeof chat.title === 'string' ? chat.title : null)) : null),
    at,
    body: raw as unknown as Message,
  };
}

function readCallbackQuery(raw: unknown, base: Base, warnings: string[]): TelegramEvent | { at: string; reason: string } {
  if (!isObj(raw)) return { at: 'callback_query', reason: 'not an object' };
  if (typeof raw.id !== 'string' && typeof raw.id !== 'number') return { at: 'callback_query.id', reason: 'missing' };
  const queryId = String(raw.id);
  if (typeof raw.data !== 'string') {
    // A game button (game_short_name): not a reply recado asked for.
    return { kind: 'ignored', updateType: 'callback_query:game', ...base };
  }
  const message = isObj(raw.message) ? raw.message : null;
  let chatId = message && isObj(message.chat) ? integer(message.chat.id) : null;
  const messageId = message ? integer(message.message_id) : null;
  if (chatId === null) {
    // Pressed on an inline-mode message: no chat comes with it; the customer is who pressed.
    chatId = isObj(raw.from) ? integer(raw.from.id) : null;
    if (chatId === null) return { at: 'callback_query.message.chat.id', reason: 'missing, and callback_query.from.id too' };
    warnings.push('callback_query.message: absent (an inline-mode message); the customer is callback_query.from.id');
  }
  const buttons = message && isObj(message.reply_markup) && Array.isArray(message.reply_markup.inline_keyboard) ? message.reply_markup.inline_keyboard.flat() : [];
  const pressed = buttons.find((b: unknown) => isObj(b) && b.callback_data === raw.data) as Obj | undefined;
  return {
    kind: 'button',
    ...base,
    chatId: String(chatId),
    chatMessage: `${chatId}:cb${queryId}`,
    callbackQueryId: queryId,
    data: raw.data,
    title: typeof pressed?.text === 'string' ? pressed.text : null,
    pressedOn: messageId !== null && messageId > 0 ? `${chatId}:${messageId}` : null,
    fromName: personName(raw.from),
    // A callback query carries no time of its own.
    at: new Date(),
    body: raw as unknown as CallbackQuery,
  };
}
