import { Injectable, OnModuleInit } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { normaliseIdentity } from '../../contacts/identities';
import type { ProviderStatus } from '../../messages/messages.repository';
import { InboundDeliveriesService } from '../../webhooks/inbound-deliveries.service';
import { InvalidDeliveryError, type EventOutcome, type InboundHandler, type ParsedDelivery } from '../../webhooks/inbound-delivery';
import { Conversations } from '../conversations';
import { AppDevicesRepository } from './app-devices.repository';

/**
 * What the business's app POSTs to /v1/hooks/app/{channel_account_id}/receipts (signature checked
 * by the controller), through the one inbound pipeline:
 *   { "receipts": [{ "message_id": "<recado message id>", "event": "delivered" | "opened", "at": <ISO or unix> }],
 *     "replies":  [{ "id": "<the app's id>", "app_user_id": "…", "text": "…", "button_id"?: "…", "at": … }] }
 * Liberal in: camelCase names, event case variants ("OPENED", "open", "read"), `at` as an ISO
 * string or unix seconds (or milliseconds) are read with a warning; unknown events are counted and
 * ignored; an unreadable item is rejected alone, naming its field.
 */

export const APP_PROVIDER = 'app';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EVENTS: Record<string, ProviderStatus> = { delivered: 'delivered', opened: 'read', open: 'read', read: 'read' };
const RECEIPT_FIELDS = ['message_id', 'event', 'at'];
const REPLY_FIELDS = ['id', 'app_user_id', 'text', 'button_id', 'in_reply_to', 'at'];

export type AppEvent =
  | { kind: 'receipt'; dedupeKey: string; channelAccountId: string; messageId: string; status: ProviderStatus; at: Date }
  | { kind: 'reply'; dedupeKey: string; channelAccountId: string; id: string; appUserId: string; text: string; buttonId: string | null; inReplyTo: string | null; at: Date }
  | { kind: 'ignored'; dedupeKey: string; channelAccountId: string; event: string };

interface AppRoute {
  channelAccountId: string;
}

@Injectable()
export class AppReceiptsHandler implements InboundHandler<AppEvent, AppRoute>, OnModuleInit {
  readonly provider = APP_PROVIDER;

  constructor(
    private readonly deliveries: InboundDeliveriesService,
    private readonly devices: AppDevicesRepository,
    private readonly conversations: Conversations,
  ) {}

  onModuleInit() {
    this.deliveries.register(this);
  }

  parse(rawBody: string, routeHint: string | null): ParsedDelivery<AppEvent> {
    if (!routeHint) throw new InvalidDeliveryError('no channel account: app receipts are addressed by the URL they are posted to');
    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch (err) {
      throw new InvalidDeliveryError(`body is not JSON: ${(err as Error).message}`);
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InvalidDeliveryError('body must be a JSON object with receipts');
    const b = body as Record<string, unknown>;
    if (!Array.isArray(b.receipts) && !Array.isArray(b.replies)) throw new InvalidDeliveryError('receipts: must be an array (or replies)');
    const out: ParsedDelivery<AppEvent> = { events: [], rejected: [], warnings: [] };
    for (const key of Object.keys(b)) if (key !== 'receipts' && key !== 'replies') out.warnings.push(`${key}: unknown field, ignored`);
    (Array.isArray(b.receipts) ? b.receipts : []).forEach((item, i) => readReceipt(item, `receipts[${i}]`, routeHint, out));
    (Array.isArray(b.replies) ? b.replies : []).forEach((item, i) => readReply(item, `replies[${i}]`, routeHint, out));
    return out;
  }

  isIgnored(event: AppEvent): boolean {
    return event.kind === 'ignored';
  }

  async route(event: AppEvent) {
    const account = await this.devices.findAppChannelAccount(event.channelAccountId);
    if (!account) return { accountId: null, reason: `channel account ${event.channelAccountId} is not a connected app` } as const;
    return { accountId: account.account_id, target: { channelAccountId: account.id } };
  }

  async apply(db: PoolClient, event: AppEvent, route: { accountId: string; target: AppRoute }): Promise<EventOutcome> {
    if (event.kind === 'receipt') {
      // Only a message that went out through this app: another app's signature cannot move it.
      const message = await this.devices.claimForReceipt(db, route.target.channelAccountId, event.messageId);
      if (!message) return 'unhandled';
      await this.conversations.applyReceipt(db, { channel: 'app', providerMessageId: message.provider_message_id ?? message.id, status: event.status, at: event.at });
      return 'applied';
    }
    if (event.kind === 'reply') {
      await this.conversations.recordInbound(db, {
        accountId: route.accountId,
        channel: 'app',
        channelAccountId: route.target.channelAccountId,
        from: { kind: 'app', value: event.appUserId },
        fromName: null,
        // The app's ids are unique within the app; provider ids must be unique within the channel.
        providerMessageId: `${route.target.channelAccountId}:${event.id}`,
        type: event.buttonId ? 'button' : 'text',
        body: { text: event.text, button_id: event.buttonId, in_reply_to: event.inReplyTo },
        at: event.at,
      });
      return 'applied';
    }
    return 'ignored';
  }

  /** Also after a redelivered receipt: the first may have stopped between its commit and this. */
  async afterCommit(event: AppEvent, route: { accountId: string; target: AppRoute }): Promise<void> {
    if (event.kind !== 'receipt') return;
    const message = await this.devices.findMessage(route.target.channelAccountId, event.messageId);
    if (message) await this.conversations.afterReceipt(message);
  }
}

type Out = ParsedDelivery<AppEvent>;

/** A field by its documented name or its camelCase variant (with a warning). */
function field(item: Record<string, unknown>, name: string, at: string, out: Out): unknown {
  if (item[name] !== undefined) return item[name];
  const camel = name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  if (camel !== name && item[camel] !== undefined) {
    out.warnings.push(`${at}.${camel}: read as ${name}`);
    return item[camel];
  }
  return undefined;
}

function unknownFields(item: Record<string, unknown>, known: string[], at: string, out: Out) {
  const camels = known.map((k) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()));
  for (const key of Object.keys(item)) if (!known.includes(key) && !camels.includes(key)) out.warnings.push(`${at}.${key}: unknown field, ignored`);
}

/** ISO 8601, or a unix time in seconds (milliseconds when it can only be those). */
function readTime(value: unknown, at: string, out: Out): Date | string {
  if (value === undefined || value === null) {
    out.warnings.push(`${at}: missing, the time it arrived is used`);
    return new Date();
  }
  if (typeof value === 'number' || (typeof value === 'string' && /^\d{9,13}(\.\d+)?$/.test(value.trim()))) {
    const n = Number(value);
    if (typeof value === 'string') out.warnings.push(`${at}: a number written as a string`);
    if (n > 1e11) {
      out.warnings.push(`${at}: read as unix milliseconds`);
      return new Date(n);
    }
    return new Date(n * 1000);
  }
  if (typeof value === 'string') {
    const t = Date.parse(value);
    if (!Number.isNaN(t)) return new Date(t);
  }
  return `must be an ISO 8601 time or unix seconds, got ${JSON.stringify(value)}`;
}

function readReceipt(item: unknown, at: string, channelAccountId: string, out: Out) {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return out.rejected.push({ at, reason: 'must be an object' });
  const r = item as Record<string, unknown>;
  unknownFields(r, RECEIPT_FIELDS, at, out);
  const messageId = field(r, 'message_id', at, out);
  if (typeof messageId !== 'string' || !UUID.test(messageId.trim())) {
    return out.rejected.push({ at: `${at}.message_id`, reason: 'must be the message_id recado sent in the push (data.recado_message_id), a UUID' });
  }
  const rawEvent = field(r, 'event', at, out);
  if (typeof rawEvent !== 'string' || rawEvent.trim() === '') return out.rejected.push({ at: `${at}.event`, reason: 'must be "delivered" or "opened"' });
  const name = rawEvent.trim().toLowerCase();
  const time = readTime(field(r, 'at', at, out), `${at}.at`, out);
  if (typeof time === 'string') return out.rejected.push({ at: `${at}.at`, reason: time });
  const id = messageId.trim().toLowerCase();
  const status = EVENTS[name];
  if (!status) {
    out.warnings.push(`${at}.event: ${JSON.stringify(rawEvent)} is not an event recado acts on, counted and ignored`);
    out.events.push({ kind: 'ignored', dedupeKey: `${channelAccountId}:${id}:${name}`, channelAccountId, event: name });
    return;
  }
  if (name !== rawEvent || (name !== 'delivered' && name !== 'opened')) out.warnings.push(`${at}.event: ${JSON.stringify(rawEvent)} read as ${status === 'read' ? 'opened' : name}`);
  out.events.push({ kind: 'receipt', dedupeKey: `${channelAccountId}:${id}:${status}`, channelAccountId, messageId: id, status, at: time });
}

function readReply(item: unknown, at: string, channelAccountId: string, out: Out) {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return out.rejected.push({ at, reason: 'must be an object' });
  const r = item as Record<string, unknown>;
  unknownFields(r, REPLY_FIELDS, at, out);
  const id = field(r, 'id', at, out);
  if ((typeof id !== 'string' && typeof id !== 'number') || String(id).trim() === '' || String(id).length > 200) {
    return out.rejected.push({ at: `${at}.id`, reason: "must be the app's id of the reply (1 to 200 characters)" });
  }
  const user = normaliseIdentity('app', String(field(r, 'app_user_id', at, out) ?? ''));
  if (!user.ok) return out.rejected.push({ at: `${at}.app_user_id`, reason: user.message });
  const text = field(r, 'text', at, out);
  const buttonId = field(r, 'button_id', at, out);
  if (typeof text !== 'string' && typeof buttonId !== 'string') return out.rejected.push({ at: `${at}.text`, reason: 'a reply needs text or button_id' });
  const inReplyTo = field(r, 'in_reply_to', at, out);
  const time = readTime(field(r, 'at', at, out), `${at}.at`, out);
  if (typeof time === 'string') return out.rejected.push({ at: `${at}.at`, reason: time });
  out.events.push({
    kind: 'reply',
    dedupeKey: `${channelAccountId}:reply:${String(id)}`,
    channelAccountId,
    id: String(id),
    appUserId: user.value,
    text: typeof text === 'string' ? text : '',
    buttonId: typeof buttonId === 'string' ? buttonId : null,
    inReplyTo: typeof inReplyTo === 'string' ? inReplyTo : null,
    at: time,
  });
}
