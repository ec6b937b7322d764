import { randomBytes } from 'node:crypto';
import type { CallWebhookCall, CallWebhookStatus, IncomingMessage, MessageStatusUpdate, WebhookContact } from '../../whatsapp/types';

/** Meta-shaped building blocks of the simulator: ids, errors, SDP, webhook envelopes, templates. */

let sequence = 0;
function uniqueId(prefix: string, seed: string): string {
  sequence = (sequence + 1) % 1_000_000;
  const raw = Buffer.concat([Buffer.from(`${seed}:${sequence}:`), randomBytes(9)]);
  return prefix + raw.toString('base64url');
}

export const newMessageId = (to: string) => uniqueId('wamid.', to);
export const newCallId = (to: string) => uniqueId('wacid.', to);
export const newMediaId = () => String(1_000_000_000_000_000n + BigInt(randomBytes(6).readUIntBE(0, 6)));
export const newTraceId = () => randomBytes(12).toString('base64url');

/** A Graph API error as the simulator answers it (Meta's `{ error: { … } }` shape). */
export class SimGraphError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly httpStatus: number = httpStatusFor(code),
    readonly details?: string,
    readonly type = 'OAuthException',
  ) {
    super(message);
  }

  toBody() {
    return {
      error: {
        message: this.message,
        type: this.type,
        code: this.code,
        error_data: { messaging_product: 'whatsapp', details: this.details ?? this.message },
        fbtrace_id: newTraceId(),
      },
    };
  }
}

function httpStatusFor(code: number): number {
  // Meta's calling error table answers "calling not enabled" and "no call permission" with 401.
  if (code === 190 || code === 0 || code === 138000 || code === 138006) return 401;
  if (code === 10 || (code >= 200 && code <= 299)) return 403;
  if ([4, 613, 80007, 130429, 131056].includes(code)) return 429;
  if ([1, 2, 131000].includes(code)) return 500;
  if ([131016, 133004].includes(code)) return 503;
  return 400;
}

/** Titles Meta uses for the codes the simulator produces (and a generic one for the rest). */
export const ERROR_TITLES: Record<number, string> = {
  100: 'Invalid parameter',
  131000: 'Something went wrong',
  131026: 'Message undeliverable',
  131047: 'Re-engagement message',
  131049: 'This message was not delivered to maintain healthy ecosystem engagement.',
  131056: '(Business Account, Consumer Account) pair rate limit hit',
  130429: 'Rate limit hit',
  132000: 'Number of parameters does not match the expected number of params',
  132001: 'Template name does not exist in the translation',
  138000: 'Calling not enabled',
  138006: 'No approved call permission from the recipient',
  190: 'Access token has expired',
};
export const errorTitle = (code: number) => ERROR_TITLES[code] ?? `Error ${code}`;

/** Meta-style error; for code 100 the message itself names the offending field, as Meta's do. */
export function graphError(code: number, details?: string): SimGraphError {
  const message = code === 100 && details ? `(#100) Invalid parameter: ${details}` : `(#${code}) ${errorTitle(code)}`;
  return new SimGraphError(code, message, undefined, details);
}

/** A control-API request the simulator cannot honour (bad input, unknown call, wrong state). */
export class SimControlError extends Error {
  constructor(
    message: string,
    readonly httpStatus = 409,
  ) {
    super(message);
  }
}

export interface WebhookMetadataInput {
  phoneNumberId: string;
  displayPhoneNumber: string;
}

export function envelope(wabaId: string, field: string, value: Record<string, unknown>) {
  return { object: 'whatsapp_business_account', entry: [{ id: wabaId, changes: [{ value, field }] }] };
}

const metadata = (m: WebhookMetadataInput) => ({ display_phone_number: m.displayPhoneNumber, phone_number_id: m.phoneNumberId });
const contact = (waId: string, name: string): WebhookContact => ({ profile: { name }, wa_id: waId });

export function inboundMessagesValue(m: WebhookMetadataInput, waId: string, name: string, message: IncomingMessage) {
  return { messaging_product: 'whatsapp', metadata: metadata(m), contacts: [contact(waId, name)], messages: [message] };
}

export function statusesValue(m: WebhookMetadataInput, status: MessageStatusUpdate) {
  return { messaging_product: 'whatsapp', metadata: metadata(m), statuses: [status] };
}

export function callsValue(
  m: WebhookMetadataInput,
  customer: { waId: string; name: string } | null,
  item: { call: CallWebhookCall } | { status: CallWebhookStatus },
) {
  return {
    messaging_product: 'whatsapp',
    metadata: metadata(m),
    ...(customer ? { contacts: [contact(customer.waId, customer.name)] } : {}),
    ...('call' in item ? { calls: [item.call] } : { statuses: [item.status] }),
  };
}

/** A plausible WebRTC audio SDP (Opus, ICE, DTLS-SRTP) for offers and answers. */
export function fakeSdp(kind: 'offer' | 'answer'): string {
  const hex = (n: number) => randomBytes(n).toString('hex');
  const fingerprint = randomBytes(32)
    .toString('hex')
    .toUpperCase()
    .match(/../g)!
    .join(':');
  const ssrc = randomBytes(4).readUInt32BE(0);
  return [
    'v=0',
    `o=- ${BigInt('0x' + hex(7))} 2 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'a=msid-semantic: WMS simulator',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111 126',
    'c=IN IP4 0.0.0.0',
    'a=rtcp:9 IN IP4 0.0.0.0',
    `a=ice-ufrag:${hex(2)}`,
    `a=ice-pwd:${randomBytes(18).toString('base64')}`,
    kind === 'answer' ? 'a=ice-lite' : 'a=ice-options:trickle',
    `a=fingerprint:sha-256 ${fingerprint}`,
    `a=setup:${kind === 'offer' ? 'actpass' : 'active'}`,
    'a=mid:0',
    'a=sendrecv',
    'a=rtcp-mux',
    'a=rtpmap:111 opus/48000/2',
    'a=fmtp:111 minptime=10;useinbandfec=1',
    'a=rtpmap:126 telephone-event/8000',
    `a=ssrc:${ssrc} cname:simulator`,
    '',
  ].join('\r\n');
}

export const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Error codes. 138000 and 138006 are documented by Meta (HTTP 401 both). The two limit codes are the simulator's best
 * knowledge of Meta's calling error table and are NOT verified against Meta's docs — match
 * on the error class (InvalidParameterError / RateLimitError) rather than these numbers.
 */
export const CALL_ERROR_CODES = {
  callingNotEnabled: 138000,
  noPermission: 138006,
  permissionRequestLimit: 138009,
  businessCallLimit: 138012,
} as const;

export const seconds = (ms: number) => String(Math.floor(ms / 1000));
