import { createHash } from 'node:crypto';
import { fieldPath, getMetaSpec, type MetaSpec } from './spec';
import type {
  CallsWebhookValue,
  CallWebhookCall,
  CallWebhookStatus,
  IncomingMessage,
  IncomingMessageValue,
  MessageStatusError,
  MessageStatusUpdate,
  StatusMessageValue,
  SystemMessage,
  SystemMessageValue,
  WebhookContact,
  WebhookMetadata,
} from './types';

/**
 * Turns a webhook POST body into normalized events. Every change whose `field` the spec
 * describes is validated against it first; fields it does not describe become `unknown`
 * events, kept raw. Meta redelivers, so each event carries a `dedupeKey` that is stable
 * across deliveries.
 */

interface EventBase {
  /** Webhook field the event came from (messages, calls, …). */
  field: string;
  /** `entry[].id`: the WhatsApp Business Account. */
  wabaId: string;
  /** `metadata.phone_number_id`; '' only for unknown fields without metadata. */
  phoneNumberId: string;
  displayPhoneNumber?: string;
  dedupeKey: string;
}

export type InteractiveReply =
  | { type: 'button_reply'; id: string; title: string }
  | { type: 'list_reply'; id: string; title: string; description?: string }
  | {
      type: 'call_permission_reply';
      response: 'accept' | 'reject';
      isPermanent: boolean;
      /** Unix seconds; absent when permanent or rejected. */
      expirationTimestamp?: number;
      responseSource?: 'user_action' | 'automatic';
    }
  | { type: 'nfm_reply'; responseJson: string; name?: string; body?: string };

/** A message a customer sent (or a system notice about them). dedupeKey: the wamid. */
export interface InboundMessageEvent extends EventBase {
  kind: 'message';
  /** wamid */
  id: string;
  from: string;
  contactName?: string;
  contactWaId?: string;
  /** Unix seconds, as Meta sends it (a string). */
  timestamp: string;
  type: string;
  text?: string;
  button?: { payload: string; text: string };
  interactive?: InteractiveReply;
  /** The business message this one replies to. */
  context?: { from?: string; id?: string };
  errors?: MessageStatusError[];
  /** The message object exactly as received. */
  message: IncomingMessage | SystemMessage;
}

/** Delivery progress of a message the business sent. dedupeKey: `wamid:status`. */
export interface MessageStatusEvent extends EventBase {
  kind: 'status';
  /** wamid of the business message */
  id: string;
  status: MessageStatusUpdate['status'];
  timestamp: string;
  recipientId: string;
  bizOpaqueCallbackData?: string;
  errors?: MessageStatusError[];
  pricing?: MessageStatusUpdate['pricing'];
  conversation?: MessageStatusUpdate['conversation'];
}

/** A call connect / terminate event. dedupeKey: `callId:event` plus `:status` when present. */
export interface CallEvent extends EventBase {
  kind: 'call';
  callId: string;
  event: string;
  direction?: 'BUSINESS_INITIATED' | 'USER_INITIATED';
  from: string;
  to: string;
  timestamp: string;
  contactName?: string;
  session?: { sdpType: 'offer' | 'answer'; sdp: string };
  /** Terminate only: COMPLETED or FAILED. */
  status?: string;
  startTime?: string;
  endTime?: string;
  /** Seconds. */
  duration?: number;
  bizOpaqueCallbackData?: string;
  errors?: MessageStatusError[];
}

/** Progress of a business-initiated call (RINGING, ACCEPTED, REJECTED). dedupeKey: `callId:status:STATUS`. */
export interface CallStatusEvent extends EventBase {
  kind: 'call_status';
  callId: string;
  status: CallWebhookStatus['status'];
  timestamp: string;
  recipientId: string;
  bizOpaqueCallbackData?: string;
  errors?: MessageStatusError[];
}

/** A change recado does not interpret (other fields, groups), kept raw. dedupeKey: field + hash of the value. */
export interface UnknownWebhookEvent extends EventBase {
  kind: 'unknown';
  value: unknown;
}

export type WhatsAppWebhookEvent =
  | InboundMessageEvent
  | MessageStatusEvent
  | CallEvent
  | CallStatusEvent
  | UnknownWebhookEvent;

export class InvalidWebhookPayloadError extends Error {
  override readonly name = 'InvalidWebhookPayloadError';
  constructor(readonly errors: string[]) {
    super(`invalid WhatsApp webhook payload: ${errors.join('; ')}`);
  }
}

/** Fields normalized into message / status / call events; other described fields become `unknown`. */
const INTERPRETED_FIELDS = new Set(['messages', 'calls']);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

export function parseWebhookPayload(payload: unknown, spec: MetaSpec = getMetaSpec()): WhatsAppWebhookEvent[] {
  const entries = checkEnvelope(payload);
  const described = new Set(spec.webhookFields());
  const events: WhatsAppWebhookEvent[] = [];
  entries.forEach((entry, i) => {
    (entry.changes as Obj[]).forEach((change, j) => {
      const at = `entry[${i}].changes[${j}]`;
      const field = change.field as string;
      const wabaId = entry.id as string;
      if (described.has(field)) {
        const result = spec.validateWebhookChange(change);
        if (!result.ok) throw new InvalidWebhookPayloadError(result.errors.map((e) => `${at}.${e}`));
      }
      if (!described.has(field) || !INTERPRETED_FIELDS.has(field)) {
        events.push(unknownEvent(field, wabaId, change.value));
      } else if (field === 'calls') {
        events.push(...callEvents(wabaId, change.value as CallsWebhookValue));
      } else {
        events.push(...messagesFieldEvents(wabaId, change.value as MessagesFieldValue));
      }
    });
  });
  return events;
}

/** The parts every payload needs even when its fields are unknown to the spec. */
function checkEnvelope(payload: unknown): Obj[] {
  const fail = (path: string[], message: string): never => {
    throw new InvalidWebhookPayloadError([`${fieldPath(path)}: ${message}`]);
  };
  if (!isObj(payload)) return fail([], 'must be a JSON object');
  if (typeof payload.object !== 'string') fail(['object'], 'must be string');
  if (!Array.isArray(payload.entry)) return fail(['entry'], 'must be array');
  payload.entry.forEach((entry: unknown, i: number) => {
    const p = ['entry', String(i)];
    if (!isObj(entry)) return fail(p, 'must be object');
    if (typeof entry.id !== 'string') fail([...p, 'id'], 'must be string');
    if (!Array.isArray(entry.changes)) return fail([...p, 'changes'], 'must be array');
    entry.changes.forEach((change: unknown, j: number) => {
      const c = [...p, 'changes', String(j)];
      if (!isObj(change)) return fail(c, 'must be object');
      if (typeof change.field !== 'string') fail([...c, 'field'], 'must be string');
      if (!isObj(change.value)) fail([...c, 'value'], 'must be object');
    });
  });
  return payload.entry as Obj[];
}

type MessagesFieldValue = IncomingMessageValue | SystemMessageValue | StatusMessageValue;

function base(field: string, wabaId: string, metadata: WebhookMetadata | undefined, dedupeKey: string): EventBase {
  return {
    field,
    wabaId,
    phoneNumberId: metadata?.phone_number_id ?? '',
    displayPhoneNumber: metadata?.display_phone_number,
    dedupeKey,
  };
}

function messagesFieldEvents(wabaId: string, value: MessagesFieldValue): WhatsAppWebhookEvent[] {
  const events: WhatsAppWebhookEvent[] = [];
  const contacts = 'contacts' in value ? (value.contacts as WebhookContact[] | undefined) : undefined;
  for (const message of ('messages' in value ? value.messages : undefined) ?? []) {
    events.push(inboundMessage(wabaId, value.metadata, message, contacts));
  }
  for (const status of ('statuses' in value ? value.statuses : undefined) ?? []) {
    events.push({
      ...base('messages', wabaId, value.metadata, `${status.id}:${status.status}`),
      kind: 'status',
      id: status.id,
      status: status.status,
      timestamp: status.timestamp,
      recipientId: status.recipient_id,
      bizOpaqueCallbackData: status.biz_opaque_callback_data,
      errors: status.errors,
      pricing: status.pricing,
      conversation: status.conversation,
    });
  }
  return events;
}

function inboundMessage(
  wabaId: string,
  metadata: WebhookMetadata,
  message: IncomingMessage | SystemMessage,
  contacts: WebhookContact[] | undefined,
): InboundMessageEvent {
  const contact = contacts?.find((c) => c.wa_id === message.from) ?? contacts?.[0];
  const raw = message as Obj;
  const context = isObj(raw.context) ? { from: raw.context.from as string, id: raw.context.id as string } : undefined;
  const event: InboundMessageEvent = {
    ...base('messages', wabaId, metadata, message.id),
    kind: 'message',
    id: message.id,
    from: message.from,
    contactName: contact?.profile.name,
    contactWaId: contact?.wa_id,
    timestamp: message.timestamp,
    type: message.type,
    context,
    errors: Array.isArray(raw.errors) ? (raw.errors as MessageStatusError[]) : undefined,
    message,
  };
  if (message.type === 'text') event.text = message.text.body;
  if (message.type === 'button') event.button = { payload: message.button.payload, text: message.button.text };
  if (message.type === 'interactive') event.interactive = interactiveReply(message.interactive as Obj);
  return event;
}

function interactiveReply(interactive: Obj): InteractiveReply | undefined {
  const content = interactive[interactive.type as string];
  if (!isObj(content)) return undefined;
  switch (interactive.type) {
    case 'button_reply':
      return { type: 'button_reply', id: content.id as string, title: content.title as string };
    case 'list_reply':
      return {
        type: 'list_reply',
        id: content.id as string,
        title: content.title as string,
        description: content.description as string | undefined,
      };
    case 'call_permission_reply':
      return {
        type: 'call_permission_reply',
        response: content.response as 'accept' | 'reject',
        isPermanent: content.is_permanent === true,
        expirationTimestamp: typeof content.expiration_timestamp === 'number' ? content.expiration_timestamp : undefined,
        responseSource: content.response_source as 'user_action' | 'automatic' | undefined,
      };
    case 'nfm_reply':
      return {
        type: 'nfm_reply',
        responseJson: content.response_json as string,
        name: content.name as string | undefined,
        body: content.body as string | undefined,
      };
    default:
      return undefined;
  }
}

function callEvents(wabaId: string, value: CallsWebhookValue): WhatsAppWebhookEvent[] {
  const contactName = (waId: string) =>
    (value.contacts?.find((c) => c.wa_id === waId) ?? value.contacts?.[0])?.profile.name;
  const events: WhatsAppWebhookEvent[] = [];
  for (const call of value.calls ?? []) events.push(callEvent(wabaId, value.metadata, call, contactName));
  for (const status of value.statuses ?? []) {
    events.push({
      ...base('calls', wabaId, value.metadata, `${status.id}:status:${status.status}`),
      kind: 'call_status',
      callId: status.id,
      status: status.status,
      timestamp: status.timestamp,
      recipientId: status.recipient_id,
      bizOpaqueCallbackData: status.biz_opaque_callback_data,
      errors: status.errors,
    });
  }
  return events;
}

function callEvent(
  wabaId: string,
  metadata: WebhookMetadata,
  call: CallWebhookCall,
  contactName: (waId: string) => string | undefined,
): CallEvent {
  const dedupeKey = [call.id, call.event, call.status].filter((p) => p !== undefined && p !== '').join(':');
  const customer = call.direction === 'BUSINESS_INITIATED' ? call.to : call.from;
  return {
    ...base('calls', wabaId, metadata, dedupeKey),
    kind: 'call',
    callId: call.id,
    event: call.event,
    direction: call.direction,
    from: call.from,
    to: call.to,
    timestamp: call.timestamp,
    contactName: contactName(customer),
    session: call.session ? { sdpType: call.session.sdp_type, sdp: call.session.sdp } : undefined,
    status: call.status,
    startTime: call.start_time,
    endTime: call.end_time,
    duration: call.duration,
    bizOpaqueCallbackData: call.biz_opaque_callback_data,
    errors: call.errors,
  };
}

function unknownEvent(field: string, wabaId: string, value: unknown): UnknownWebhookEvent {
  const metadata = isObj(value) && isObj(value.metadata) ? (value.metadata as Partial<WebhookMetadata>) : undefined;
  const hash = createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 32);
  return {
    field,
    wabaId,
    phoneNumberId: typeof metadata?.phone_number_id === 'string' ? metadata.phone_number_id : '',
    displayPhoneNumber: typeof metadata?.display_phone_number === 'string' ? metadata.display_phone_number : undefined,
    dedupeKey: `${field}:${wabaId}:${hash}`,
    kind: 'unknown',
    value,
  };
}
