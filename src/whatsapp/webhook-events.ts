import { createHash } from 'node:crypto';
import { fieldPath, getMetaSpec, type MetaSpec } from './spec';
import { FieldReader, isObj, UnreadableEventError, type Obj } from './webhook-reader';
import type { MessageStatusError } from './types';

/**
 * Turns a webhook POST body into normalised events, one per message, status or call — each read
 * on its own, liberally (see webhook-reader.ts). Meta's schema does not gate anything here: a
 * change that deviates from it is still read, and the deviations come back as warnings. Only an
 * event that lacks what it cannot live without is rejected, and it never sinks its siblings.
 * Meta redelivers, so each event carries a `dedupeKey` that is stable across deliveries.
 */

interface EventBase {
  /** Webhook field the event came from (messages, calls, …). */
  field: string;
  /** `entry[].id`: the WhatsApp Business Account. */
  wabaId: string;
  /** `metadata.phone_number_id`; '' when the change carries no metadata. */
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
      /** Unix seconds; absent when permanent or rejected. Meta sends it as a string or a number. */
      expirationTimestamp?: number;
      responseSource?: string;
    }
  | { type: 'nfm_reply'; responseJson: string; name?: string; body?: string };

/** A message a customer sent (or a system notice about them). dedupeKey: the wamid. */
export interface InboundMessageEvent extends EventBase {
  kind: 'message';
  /** wamid */
  id: string;
  /** The customer: their wa_id, or their business-scoped user id when Meta sends only that. */
  from: string;
  contactName?: string;
  /** Unix seconds, as text. */
  timestamp: string;
  type: string;
  text?: string;
  button?: { payload: string; text: string };
  interactive?: InteractiveReply;
  /** The business message this one replies to. */
  context?: { from?: string; id?: string };
  errors?: MessageStatusError[];
  /** The message object exactly as received. */
  message: Obj;
}

export const MESSAGE_STATUSES = ['sent', 'delivered', 'read', 'played', 'failed', 'deleted', 'warning'] as const;

/** Delivery progress of a message the business sent. dedupeKey: `wamid:status`. */
export interface MessageStatusEvent extends EventBase {
  kind: 'status';
  /** wamid of the business message */
  id: string;
  /** One of MESSAGE_STATUSES, or a newer value Meta added (reported as a warning). */
  status: string;
  timestamp: string;
  /** wa_id; Meta leaves it out for users known only by their business-scoped user id. */
  recipientId?: string;
  recipientUserId?: string;
  bizOpaqueCallbackData?: string;
  errors?: MessageStatusError[];
  pricing?: unknown;
  conversation?: unknown;
}

export const CALL_DIRECTIONS = ['BUSINESS_INITIATED', 'USER_INITIATED'] as const;
export const CALL_TERMINATE_STATUSES = ['COMPLETED', 'FAILED'] as const;
export const CALL_STATUSES = ['RINGING', 'ACCEPTED', 'REJECTED'] as const;

/** A call connect / terminate event. dedupeKey: `callId:event` plus `:status` when present. */
export interface CallEvent extends EventBase {
  kind: 'call';
  callId: string;
  /** Lower case: connect, terminate, or a newer event. */
  event: string;
  /** As sent, or inferred from the SDP type when Meta leaves it out (an offer comes from the user). */
  direction?: (typeof CALL_DIRECTIONS)[number];
  from?: string;
  to?: string;
  timestamp: string;
  contactName?: string;
  session?: { sdpType: 'offer' | 'answer'; sdp: string };
  /** Terminate only, upper case: COMPLETED or FAILED. */
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
  /** Upper case. */
  status: string;
  timestamp: string;
  recipientId?: string;
  bizOpaqueCallbackData?: string;
  errors?: MessageStatusError[];
}

/** A change recado does not act on (template and account updates, groups…), kept in the raw delivery. */
export interface IgnoredWebhookEvent extends EventBase {
  kind: 'ignored';
  reason: string;
}

export type WhatsAppWebhookEvent = InboundMessageEvent | MessageStatusEvent | CallEvent | CallStatusEvent | IgnoredWebhookEvent;

/** An event nothing could be made of, with the reason naming the field. */
export interface RejectedWebhookEvent {
  at: string;
  reason: string;
}

export interface ParsedWebhook {
  events: WhatsAppWebhookEvent[];
  rejected: RejectedWebhookEvent[];
  /** Every normalisation applied and every deviation from Meta's schema, each naming its field. */
  warnings: string[];
}

/** The body is not a webhook at all (no `entry` list): nothing in it can be read. */
export class InvalidWebhookPayloadError extends Error {
  override readonly name = 'InvalidWebhookPayloadError';
  constructor(readonly errors: string[]) {
    super(`invalid WhatsApp webhook payload: ${errors.join('; ')}`);
  }
}

/** Fields recado acts on; the others are read as `ignored` events. */
const INTERPRETED_FIELDS = new Set(['messages', 'calls']);
const MAX_SCHEMA_WARNINGS_PER_CHANGE = 5;

export function parseWebhookPayload(payload: unknown, spec: MetaSpec = getMetaSpec()): ParsedWebhook {
  if (!isObj(payload)) throw new InvalidWebhookPayloadError(['(root): must be a JSON object']);
  if (!Array.isArray(payload.entry)) throw new InvalidWebhookPayloadError(['entry: must be an array']);
  const out: ParsedWebhook = { events: [], rejected: [], warnings: [] };
  const warn = (message: string) => out.warnings.push(message);
  if (payload.object !== 'whatsapp_business_account') warn(`object: unexpected value ${JSON.stringify(payload.object)}`);

  const root = new FieldReader(payload, [], warn);
  for (const entry of root.list('entry')) {
    const wabaId = entry.str('id') ?? '';
    if (!wabaId) entry.note('id', 'missing');
    for (const change of entry.list('changes')) {
      readChange(change, wabaId, spec, out);
    }
  }
  return out;
}

function readChange(change: FieldReader, wabaId: string, spec: MetaSpec, out: ParsedWebhook): void {
  const warn = (message: string) => out.warnings.push(message);
  const reject = (at: string, reason: string) => out.rejected.push({ at, reason });
  const field = change.str('field');
  const value = change.obj('value');
  if (!field || !value) {
    reject(fieldPath(change.path), !field ? `${change.at('field')}: is required` : `${change.at('value')}: must be an object`);
    return;
  }
  const metadata = value.obj('metadata');
  const base = (dedupeKey: string): EventBase => ({
    field,
    wabaId,
    phoneNumberId: metadata?.str('phone_number_id') ?? '',
    displayPhoneNumber: metadata?.str('display_phone_number'),
    dedupeKey,
  });

  if (!INTERPRETED_FIELDS.has(field)) {
    out.events.push({ ...base(`${field}:${wabaId}:${hashOf(value.raw)}`), kind: 'ignored', reason: `field ${field} is not handled` });
    return;
  }
  schemaWarnings(spec, change, warn);
  if (!metadata?.str('phone_number_id')) {
    reject(fieldPath(value.path), `${value.at('metadata')}.phone_number_id: is required`);
    return;
  }
  const read = (item: FieldReader, parse: (item: FieldReader) => WhatsAppWebhookEvent) => {
    try {
      out.events.push(parse(item));
    } catch (err) {
      if (err instanceof IgnoredEvent) {
        out.events.push({ ...base(`${field}:${wabaId}:${hashOf(item.raw)}`), kind: 'ignored', reason: err.message });
      } else if (err instanceof UnreadableEventError) {
        reject(fieldPath(item.path), err.message);
      } else {
        throw err;
      }
    }
  };
  const contacts = value.list('contacts');
  if (field === 'messages') {
    for (const m of value.list('messages')) read(m, (m) => readMessage(m, contacts, base));
    for (const s of value.list('statuses')) read(s, (s) => readStatus(s, base));
  } else {
    for (const c of value.list('calls')) read(c, (c) => readCall(c, contacts, base));
    for (const s of value.list('statuses')) read(s, (s) => readCallStatus(s, base));
  }
  for (const e of value.list('errors')) warn(`${fieldPath(e.path)}: Meta reported ${JSON.stringify(e.raw)}`);
}

/** Deviations from Meta's schema are worth counting (Meta changes what it sends), never fatal. */
function schemaWarnings(spec: MetaSpec, change: FieldReader, warn: (m: string) => void) {
  const result = spec.validateWebhookChange(change.raw);
  if (result.ok) return;
  const prefix = fieldPath(change.path);
  for (const e of result.errors.slice(0, MAX_SCHEMA_WARNINGS_PER_CHANGE)) warn(`schema: ${prefix}.${e}`);
}

type Base = (dedupeKey: string) => EventBase;

function contactFor(contacts: FieldReader[], waId: string | undefined) {
  const contact = contacts.find((c) => waId !== undefined && (c.str('wa_id') === waId || c.str('user_id') === waId)) ?? contacts[0];
  return contact?.obj('profile')?.str('name');
}

function readMessage(m: FieldReader, contacts: FieldReader[], base: Base): InboundMessageEvent {
  const id = m.requiredStr('id');
  const from = m.str('from') ?? m.str('from_user_id') ?? contacts[0]?.str('wa_id') ?? contacts[0]?.str('user_id');
  if (!from) throw new UnreadableEventError(`${m.at('from')}: is required (nor from_user_id nor contacts[].wa_id was sent)`);
  if (m.has('group_id')) {
    // Group conversations are not a customer's thread; recado does not take part in them yet.
    throw new IgnoredEvent(`${m.at('group_id')}: group messages are not handled`);
  }
  const type = m.str('type') ?? 'unknown';
  if (!m.has('type')) m.note('type', 'missing; read as "unknown"');
  const context = m.obj('context');
  const event: InboundMessageEvent = {
    ...base(id),
    kind: 'message',
    id,
    from,
    contactName: contactFor(contacts, from),
    timestamp: timestampOf(m),
    type,
    context: context ? { from: context.str('from'), id: context.str('id') } : undefined,
    errors: m.rawList('errors') as MessageStatusError[] | undefined,
    message: m.raw,
  };
  if (type === 'text') event.text = m.obj('text')?.str('body');
  const button = m.obj('button');
  if (type === 'button' && button) event.button = { payload: button.str('payload') ?? '', text: button.str('text') ?? '' };
  const interactive = m.obj('interactive');
  if (type === 'interactive' && interactive) event.interactive = readInteractive(interactive);
  return event;
}

function readInteractive(interactive: FieldReader): InteractiveReply | undefined {
  const type = interactive.str('type');
  const content = type ? interactive.obj(type) : undefined;
  if (!type || !content) {
    interactive.note('type', 'no content for the interactive type; kept as received');
    return undefined;
  }
  switch (type) {
    case 'button_reply':
      return { type, id: content.str('id') ?? '', title: content.str('title') ?? '' };
    case 'list_reply':
      return { type, id: content.str('id') ?? '', title: content.str('title') ?? '', description: content.str('description') };
    case 'call_permission_reply': {
      const response = content.enumOf('response', ['accept', 'reject'] as const, 'lower');
      if (response !== 'accept' && response !== 'reject') {
        throw new UnreadableEventError(`${content.at('response')}: must be accept or reject`);
      }
      return {
        type,
        response,
        isPermanent: content.bool('is_permanent') === true,
        expirationTimestamp: content.num('expiration_timestamp', { stringDocumented: true }),
        responseSource: content.str('response_source'),
      };
    }
    case 'nfm_reply':
      return { type, responseJson: content.str('response_json') ?? '', name: content.str('name'), body: content.str('body') };
    default:
      return undefined;
  }
}

function readStatus(s: FieldReader, base: Base): MessageStatusEvent {
  const id = s.requiredStr('id');
  const status = s.enumOf('status', MESSAGE_STATUSES, 'lower');
  if (!status) throw new UnreadableEventError(`${s.at('status')}: is required`);
  return {
    ...base(`${id}:${status}`),
    kind: 'status',
    id,
    status,
    timestamp: timestampOf(s),
    recipientId: s.str('recipient_id'),
    recipientUserId: s.str('recipient_user_id'),
    bizOpaqueCallbackData: s.str('biz_opaque_callback_data'),
    errors: s.rawList('errors') as MessageStatusError[] | undefined,
    pricing: s.raw.pricing,
    conversation: s.raw.conversation,
  };
}

function readCall(c: FieldReader, contacts: FieldReader[], base: Base): CallEvent {
  const callId = c.requiredStr('id');
  const event = c.enumOf('event', ['connect', 'terminate'] as const, 'lower');
  if (!event) throw new UnreadableEventError(`${c.at('event')}: is required`);
  const session = c.obj('session');
  const sdpType = session?.enumOf('sdp_type', ['offer', 'answer'] as const, 'lower');
  const sdp = session?.str('sdp');
  let direction = c.enumOf('direction', CALL_DIRECTIONS, 'upper') as CallEvent['direction'] | undefined;
  if (direction !== undefined && !(CALL_DIRECTIONS as readonly string[]).includes(direction)) direction = undefined;
  if (!direction && (sdpType === 'offer' || sdpType === 'answer')) {
    // The customer's phone makes the offer when it calls; Meta answers ours when we call.
    direction = sdpType === 'offer' ? 'USER_INITIATED' : 'BUSINESS_INITIATED';
    c.note('direction', `missing; inferred ${direction} from the SDP ${sdpType}`);
  }
  const status = event === 'terminate' ? c.enumOf('status', CALL_TERMINATE_STATUSES, 'upper') : c.str('status');
  const from = c.str('from') ?? c.str('from_user_id');
  const to = c.str('to') ?? c.str('to_user_id');
  const customer = direction === 'BUSINESS_INITIATED' ? to : from;
  return {
    ...base([callId, event, status].filter((p) => p !== undefined && p !== '').join(':')),
    kind: 'call',
    callId,
    event,
    direction,
    from,
    to,
    timestamp: timestampOf(c),
    contactName: contactFor(contacts, customer),
    session: sdp !== undefined && (sdpType === 'offer' || sdpType === 'answer') ? { sdpType, sdp } : undefined,
    status,
    startTime: c.str('start_time'),
    endTime: c.str('end_time'),
    duration: c.num('duration'),
    bizOpaqueCallbackData: c.str('biz_opaque_callback_data'),
    errors: c.rawList('errors') as MessageStatusError[] | undefined,
  };
}

function readCallStatus(s: FieldReader, base: Base): CallStatusEvent {
  const callId = s.requiredStr('id');
  const status = s.enumOf('status', CALL_STATUSES, 'upper');
  if (!status) throw new UnreadableEventError(`${s.at('status')}: is required`);
  return {
    ...base(`${callId}:status:${status}`),
    kind: 'call_status',
    callId,
    status,
    timestamp: timestampOf(s),
    recipientId: s.str('recipient_id') ?? s.str('recipient_user_id'),
    bizOpaqueCallbackData: s.str('biz_opaque_callback_data'),
    errors: s.rawList('errors') as MessageStatusError[] | undefined,
  };
}

/** Unix seconds as text. A missing timestamp is something an event can live without: now. */
function timestampOf(item: FieldReader): string {
  const t = item.str('timestamp');
  if (t !== undefined && /^\d+$/.test(t)) return t;
  item.note('timestamp', t === undefined ? 'missing; the time of receipt is used' : `${JSON.stringify(t)} is not Unix seconds; the time of receipt is used`);
  return String(Math.floor(Date.now() / 1000));
}

function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 32);
}

/** Thrown by a reader for an item recado understands and deliberately does not act on. */
class IgnoredEvent extends Error {}
