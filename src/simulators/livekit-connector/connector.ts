import { createHash, randomBytes, randomInt } from 'node:crypto';
import {
  AcceptWhatsAppCallResponse,
  ConnectWhatsAppCallResponse,
  DialWhatsAppCallResponse,
  DisconnectWhatsAppCallRequest_DisconnectReason,
  DisconnectWhatsAppCallResponse,
  type AcceptWhatsAppCallRequest,
  type ConnectWhatsAppCallRequest,
  type DialWhatsAppCallRequest,
  type DisconnectWhatsAppCallRequest,
  type SessionDescription,
} from '@livekit/protocol';

/**
 * The logic of a stand-in for LiveKit Cloud's WhatsApp Connector (the HTTP/Twirp face is
 * server.ts). Like LiveKit Cloud, it does the Meta side itself: dialing POSTs `connect` with an
 * SDP offer to `{graphUrl}/{version}/{phone-number-id}/calls`, accepting POSTs `pre_accept` and
 * `accept` with an SDP answer, disconnecting POSTs `terminate` — with the business's access
 * token from the request. No media flows and no LiveKit room is created: the calls' state
 * (call id → room, phone number, token, direction, SDPs) is kept in memory.
 */

/** Twirp error codes (https://twitchtv.github.io/twirp/docs/spec_v7.html#error-codes) and their HTTP statuses. */
export const TWIRP_HTTP_STATUS = {
  canceled: 408,
  invalid_argument: 400,
  malformed: 400,
  deadline_exceeded: 408,
  not_found: 404,
  bad_route: 404,
  already_exists: 409,
  permission_denied: 403,
  unauthenticated: 401,
  resource_exhausted: 429,
  failed_precondition: 412,
  aborted: 409,
  out_of_range: 400,
  unimplemented: 501,
  internal: 500,
  unavailable: 503,
  dataloss: 500,
  unknown: 500,
} as const;

export type TwirpCode = keyof typeof TWIRP_HTTP_STATUS;

/** An error the Connector API answers with: `{ code, msg, meta }` and the code's HTTP status. */
export class TwirpError extends Error {
  constructor(
    readonly code: TwirpCode,
    message: string,
    readonly meta: Record<string, string> = {},
  ) {
    super(message);
  }

  get httpStatus(): number {
    return TWIRP_HTTP_STATUS[this.code];
  }

  toBody(): { code: TwirpCode; msg: string; meta?: Record<string, string> } {
    return { code: this.code, msg: this.message, ...(Object.keys(this.meta).length ? { meta: this.meta } : {}) };
  }
}

/** Meta's error object, as the Graph API answers it. */
export interface MetaErrorBody {
  message?: string;
  type?: string;
  code?: number;
  error_subcode?: number;
  error_data?: { details?: string };
  fbtrace_id?: string;
}

export interface ConnectorLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

export interface LiveKitConnectorOptions {
  /** Base URL of the Graph API: the WhatsApp simulator locally, https://graph.facebook.com for real. */
  graphUrl: string;
  /** Used when a request names no Cloud API version. Default v23.0. */
  graphVersion?: string;
  /** Timeout of each Graph API request. Default 8 s (the SDK gives up after 10 s). */
  graphTimeoutMs?: number;
  fetch?: typeof fetch;
  logger?: ConnectorLogger;
}

export type ConnectorCallState = 'ringing' | 'connected' | 'ended';

export interface ConnectorCall {
  whatsappCallId: string;
  /** outbound: business-initiated (DialWhatsAppCall); inbound: user-initiated (AcceptWhatsAppCall). */
  direction: 'outbound' | 'inbound';
  state: ConnectorCallState;
  roomName: string;
  phoneNumberId: string;
  /** The customer (outbound calls only; Meta's `to`). */
  toPhoneNumber?: string;
  /** The business's Meta access token, reused to terminate the call. */
  whatsappApiKey: string;
  cloudApiVersion: string;
  bizOpaqueCallbackData?: string;
  participantIdentity: string;
  participantName: string;
  participantMetadata: string;
  participantAttributes: Record<string, string>;
  agents: string[];
  destinationCountry?: string;
  ringingTimeoutSeconds?: number;
  /** Our SDP: the offer we dialed with, or the answer we accepted with. */
  localSdp: { type: 'offer' | 'answer'; sdp: string };
  /** Meta's SDP: its answer (ConnectWhatsAppCall) or its offer (AcceptWhatsAppCall). */
  remoteSdp?: { type: 'offer' | 'answer'; sdp: string };
  createdAt: string;
  connectedAt?: string;
  endedAt?: string;
  endedBy?: 'business' | 'user';
}

/** What the control API shows: the call with the business's token reduced to its last characters. */
export type ConnectorCallView = Omit<ConnectorCall, 'whatsappApiKey'> & { whatsappApiKeyHint: string };

const MAX_BIZ_OPAQUE = 512; // Meta's limit
const MAX_ROOM_NAME = 256;
const MAX_KEPT_CALLS = 5000;

const digits = (s: string) => s.replace(/\D/g, '');
const invalid = (msg: string, meta?: Record<string, string>) => new TwirpError('invalid_argument', msg, meta);

export class LiveKitConnector {
  private readonly graphUrl: string;
  private readonly graphVersion: string;
  private readonly graphTimeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly logger?: ConnectorLogger;
  private readonly calls = new Map<string, ConnectorCall>();

  constructor(options: LiveKitConnectorOptions) {
    if (!options.graphUrl) throw new Error('graphUrl is required');
    this.graphUrl = options.graphUrl.replace(/\/+$/, '');
    const version = normalizeVersion(options.graphVersion ?? 'v23.0');
    if (!version) throw new Error(`graphVersion must look like v23.0, got "${options.graphVersion}"`);
    this.graphVersion = version;
    this.graphTimeoutMs = options.graphTimeoutMs ?? 8000;
    this.fetchImpl = options.fetch ?? fetch;
    this.logger = options.logger;
  }

  // --- the Connector API ---------------------------------------------------------------------

  /** Business-initiated call: `connect` with our SDP offer; Meta's answer comes later through ConnectWhatsAppCall. */
  async dialWhatsAppCall(req: DialWhatsAppCallRequest): Promise<DialWhatsAppCallResponse> {
    const phoneNumberId = requirePhoneNumberId(req.whatsappPhoneNumberId);
    const to = req.whatsappToPhoneNumber.trim();
    if (!to) throw invalid('whatsapp_to_phone_number is required');
    const toDigits = digits(to);
    if (!/^\+?[\d\s().-]+$/.test(to) || toDigits.length < 6 || toDigits.length > 15) {
      throw invalid(`whatsapp_to_phone_number must be a phone number (6-15 digits), got "${to}"`);
    }
    const apiKey = requireApiKey(req.whatsappApiKey);
    const version = this.version(req.whatsappCloudApiVersion);
    const bizData = checkBizOpaque(req.whatsappBizOpaqueCallbackData);
    const roomName = checkRoomName(req.roomName) ?? `whatsapp-${randomBytes(6).toString('hex')}`;
    const ringing = req.ringingTimeout ? Number(req.ringingTimeout.seconds) + req.ringingTimeout.nanos / 1e9 : undefined;
    if (ringing !== undefined && !(ringing > 0)) throw invalid('ringing_timeout must be positive');

    const offer = webrtcSdp('offer');
    const result = await this.graph(phoneNumberId, version, apiKey, 'connect', {
      messaging_product: 'whatsapp',
      to,
      action: 'connect',
      session: { sdp_type: 'offer', sdp: offer },
      ...(bizData !== undefined ? { biz_opaque_callback_data: bizData } : {}),
    });
    const callId = (result as { calls?: Array<{ id?: unknown }> }).calls?.[0]?.id;
    if (typeof callId !== 'string' || !callId) {
      throw new TwirpError('internal', 'whatsapp: the connect response carries no call id', { whatsapp_response: JSON.stringify(result) });
    }
    this.keep({
      whatsappCallId: callId,
      direction: 'outbound',
      state: 'ringing',
      roomName,
      phoneNumberId,
      toPhoneNumber: to,
      whatsappApiKey: apiKey,
      cloudApiVersion: version,
      bizOpaqueCallbackData: bizData,
      participantIdentity: req.participantIdentity || `whatsapp_${toDigits}`,
      participantName: req.participantName,
      participantMetadata: req.participantMetadata,
      participantAttributes: { ...req.participantAttributes },
      agents: req.agents.map((a) => a.agentName),
      destinationCountry: req.destinationCountry || undefined,
      ringingTimeoutSeconds: ringing,
      localSdp: { type: 'offer', sdp: offer },
      createdAt: new Date().toISOString(),
    });
    this.logger?.info({ whatsappCallId: callId, roomName, phoneNumberId, to }, 'whatsapp call dialed');
    return new DialWhatsAppCallResponse({ whatsappCallId: callId, roomName });
  }

  /** Business-initiated call answered: Meta's SDP answer (from the `calls` connect webhook). */
  async connectWhatsAppCall(req: ConnectWhatsAppCallRequest): Promise<ConnectWhatsAppCallResponse> {
    const call = this.known(req.whatsappCallId);
    const answer = requireSdp(req.sdp, 'answer');
    if (call.direction !== 'outbound') {
      throw new TwirpError('failed_precondition', `call ${call.whatsappCallId} is user-initiated: accept it with AcceptWhatsAppCall`);
    }
    if (call.state === 'ended') throw new TwirpError('failed_precondition', `call ${call.whatsappCallId} has ended`);
    if (call.state === 'connected') {
      if (call.remoteSdp?.sdp === answer) return new ConnectWhatsAppCallResponse(); // a retry
      throw new TwirpError('failed_precondition', `call ${call.whatsappCallId} is already connected with another SDP answer`);
    }
    call.remoteSdp = { type: 'answer', sdp: answer };
    call.state = 'connected';
    call.connectedAt = new Date().toISOString();
    this.logger?.info({ whatsappCallId: call.whatsappCallId, roomName: call.roomName }, 'whatsapp call connected');
    return new ConnectWhatsAppCallResponse();
  }

  /** User-initiated call: answer Meta's SDP offer, `pre_accept` then `accept`. */
  async acceptWhatsAppCall(req: AcceptWhatsAppCallRequest): Promise<AcceptWhatsAppCallResponse> {
    const phoneNumberId = requirePhoneNumberId(req.whatsappPhoneNumberId);
    const apiKey = requireApiKey(req.whatsappApiKey);
    const version = this.version(req.whatsappCloudApiVersion);
    const callId = req.whatsappCallId.trim();
    if (!callId) throw invalid('whatsapp_call_id is required');
    const offer = requireSdp(req.sdp, 'offer');
    const bizData = checkBizOpaque(req.whatsappBizOpaqueCallbackData);
    const requestedRoom = checkRoomName(req.roomName);

    const existing = this.calls.get(callId);
    if (existing) {
      if (existing.direction !== 'inbound') throw new TwirpError('failed_precondition', `call ${callId} is business-initiated: use ConnectWhatsAppCall`);
      if (existing.state === 'ended') throw new TwirpError('failed_precondition', `call ${callId} has ended`);
      // Already accepted (a retry): Meta would refuse a second accept.
      return new AcceptWhatsAppCallResponse({ roomName: existing.roomName });
    }

    const answer = answerFor(offer);
    const session = { sdp_type: 'answer', sdp: answer };
    await this.graph(phoneNumberId, version, apiKey, 'pre_accept', { messaging_product: 'whatsapp', call_id: callId, action: 'pre_accept', session });
    await this.graph(phoneNumberId, version, apiKey, 'accept', {
      messaging_product: 'whatsapp',
      call_id: callId,
      action: 'accept',
      session,
      ...(bizData !== undefined ? { biz_opaque_callback_data: bizData } : {}),
    });
    const now = new Date().toISOString();
    const roomName = requestedRoom ?? `whatsapp-${randomBytes(6).toString('hex')}`;
    this.keep({
      whatsappCallId: callId,
      direction: 'inbound',
      state: 'connected',
      roomName,
      phoneNumberId,
      whatsappApiKey: apiKey,
      cloudApiVersion: version,
      bizOpaqueCallbackData: bizData,
      participantIdentity: req.participantIdentity || `whatsapp_${randomBytes(4).toString('hex')}`,
      participantName: req.participantName,
      participantMetadata: req.participantMetadata,
      participantAttributes: { ...req.participantAttributes },
      agents: req.agents.map((a) => a.agentName),
      destinationCountry: req.destinationCountry || undefined,
      localSdp: { type: 'answer', sdp: answer },
      remoteSdp: { type: 'offer', sdp: offer },
      createdAt: now,
      connectedAt: now,
    });
    this.logger?.info({ whatsappCallId: callId, roomName, phoneNumberId }, 'whatsapp call accepted');
    return new AcceptWhatsAppCallResponse({ roomName });
  }

  /**
   * Ends a call. BUSINESS_INITIATED (the default) terminates it at Meta with the given token;
   * USER_INITIATED (the customer hung up, Meta already knows) only tears down our side.
   * Disconnecting a call that has already ended is a no-op.
   */
  async disconnectWhatsAppCall(req: DisconnectWhatsAppCallRequest): Promise<DisconnectWhatsAppCallResponse> {
    const call = this.known(req.whatsappCallId);
    if (call.state === 'ended') return new DisconnectWhatsAppCallResponse();
    const reason = req.disconnectReason;
    if (reason === DisconnectWhatsAppCallRequest_DisconnectReason.USER_INITIATED) {
      this.ended(call, 'user');
      return new DisconnectWhatsAppCallResponse();
    }
    if (reason !== DisconnectWhatsAppCallRequest_DisconnectReason.BUSINESS_INITIATED) {
      throw invalid(`unknown disconnect_reason ${String(reason)}`);
    }
    const apiKey = req.whatsappApiKey.trim();
    if (!apiKey) throw invalid('whatsapp_api_key is required when disconnect_reason is BUSINESS_INITIATED');
    try {
      await this.graph(call.phoneNumberId, call.cloudApiVersion, apiKey, 'terminate', {
        messaging_product: 'whatsapp',
        call_id: call.whatsappCallId,
        action: 'terminate',
      });
    } catch (err) {
      // The customer hung up first and Meta says so: the call is over either way.
      if (!(err instanceof TwirpError && isAlreadyEnded(err))) throw err;
      this.logger?.info({ whatsappCallId: call.whatsappCallId }, 'whatsapp call had already ended at Meta');
    }
    this.ended(call, 'business');
    return new DisconnectWhatsAppCallResponse();
  }

  // --- inspection (control API) ---------------------------------------------------------------

  list(): ConnectorCallView[] {
    return [...this.calls.values()].map(view);
  }

  get(callId: string): ConnectorCallView | undefined {
    const call = this.calls.get(callId);
    return call && view(call);
  }

  reset(): void {
    this.calls.clear();
  }

  // --- internals ------------------------------------------------------------------------------

  private version(requested: string): string {
    if (!requested.trim()) return this.graphVersion;
    const v = normalizeVersion(requested);
    if (!v) throw invalid(`whatsapp_cloud_api_version must look like 23.0 or v23.0, got "${requested}"`);
    return v;
  }

  private known(callId: string): ConnectorCall {
    const id = callId.trim();
    if (!id) throw invalid('whatsapp_call_id is required');
    const call = this.calls.get(id);
    if (!call) throw new TwirpError('not_found', `unknown WhatsApp call ${id}`);
    return call;
  }

  private ended(call: ConnectorCall, by: 'business' | 'user'): void {
    call.state = 'ended';
    call.endedAt = new Date().toISOString();
    call.endedBy = by;
    this.logger?.info({ whatsappCallId: call.whatsappCallId, roomName: call.roomName, endedBy: by }, 'whatsapp call disconnected');
  }

  private keep(call: ConnectorCall): void {
    this.calls.set(call.whatsappCallId, call);
    if (this.calls.size <= MAX_KEPT_CALLS) return;
    for (const [id, c] of this.calls) {
      if (c.state === 'ended') {
        this.calls.delete(id);
        if (this.calls.size <= MAX_KEPT_CALLS) return;
      }
    }
  }

  /** POST /{version}/{phone-number-id}/calls; Meta's errors become Twirp errors carrying Meta's code and message. */
  private async graph(phoneNumberId: string, version: string, apiKey: string, action: string, body: Record<string, unknown>): Promise<unknown> {
    const url = `${this.graphUrl}/${version}/${encodeURIComponent(phoneNumberId)}/calls`;
    let res: Response;
    try {
      res = await this.fetchImpl(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'user-agent': 'livekit-connector-simulator' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.graphTimeoutMs),
      });
    } catch (err) {
      const timedOut = (err as Error).name === 'TimeoutError';
      this.logger?.warn({ url, action, err: (err as Error).message }, 'whatsapp graph api unreachable');
      throw new TwirpError(timedOut ? 'deadline_exceeded' : 'unavailable', `whatsapp: ${action} failed: ${(err as Error).message}`, {
        whatsapp_action: action,
      });
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = undefined;
    }
    if (res.ok && parsed && typeof parsed === 'object') return parsed;
    const metaError = (parsed as { error?: MetaErrorBody } | undefined)?.error;
    const err = metaTwirpError(action, res.status, metaError, text);
    this.logger?.warn({ url, action, status: res.status, code: metaError?.code, msg: metaError?.message }, 'whatsapp graph api error');
    throw err;
  }
}

// --- Meta errors → Twirp errors ------------------------------------------------------------------

/** Meta error codes with a meaning of their own, whatever HTTP status they come with. */
const META_CODE_TO_TWIRP: Record<number, TwirpCode> = {
  138006: 'permission_denied', // no approved call permission from the user
  190: 'unauthenticated', // access token invalid / expired
  10: 'permission_denied', // app has no permission
  4: 'resource_exhausted',
  80007: 'resource_exhausted',
  130429: 'resource_exhausted',
  131056: 'resource_exhausted',
};

/**
 * A Graph API error as the Connector reports it: the Twirp code follows Meta's code (else its
 * HTTP status), `msg` starts with Meta's `(#code) message`, and `meta` carries the details
 * (`whatsapp_error_code`, `whatsapp_error_message`, `whatsapp_http_status`, …).
 */
export function metaTwirpError(action: string, httpStatus: number, error: MetaErrorBody | undefined, rawBody = ''): TwirpError {
  const code = typeof error?.code === 'number' ? error.code : undefined;
  let twirp: TwirpCode =
    (code !== undefined ? META_CODE_TO_TWIRP[code] : undefined) ??
    (httpStatus === 401
      ? 'unauthenticated'
      : httpStatus === 403
        ? 'permission_denied'
        : httpStatus === 404
          ? 'not_found'
          : httpStatus === 429
            ? 'resource_exhausted'
            : httpStatus >= 500
              ? 'unavailable'
              : 'invalid_argument');
  if (!error && httpStatus < 500 && httpStatus >= 200) twirp = 'internal'; // not the Graph API's shape at all
  const message = error?.message ?? (rawBody.slice(0, 200) || `HTTP ${httpStatus}`);
  const meta: Record<string, string> = { whatsapp_action: action, whatsapp_http_status: String(httpStatus) };
  if (code !== undefined) meta.whatsapp_error_code = String(code);
  if (error?.error_subcode !== undefined) meta.whatsapp_error_subcode = String(error.error_subcode);
  meta.whatsapp_error_message = message;
  if (error?.type) meta.whatsapp_error_type = error.type;
  if (error?.error_data?.details) meta.whatsapp_error_details = error.error_data.details;
  if (error?.fbtrace_id) meta.whatsapp_fbtrace_id = error.fbtrace_id;
  const prefix = code !== undefined && !message.startsWith(`(#${code})`) ? `(#${code}) ` : '';
  return new TwirpError(twirp, `whatsapp: ${action} failed: ${prefix}${message}`, meta);
}

function isAlreadyEnded(err: TwirpError): boolean {
  const text = `${err.meta.whatsapp_error_message ?? ''} ${err.meta.whatsapp_error_details ?? ''}`;
  return /already (ended|terminated)|has ended|not active|no active call/i.test(text);
}

// --- validation --------------------------------------------------------------------------------

function normalizeVersion(v: string): string | undefined {
  const m = /^v?(\d+\.\d+)$/.exec(v.trim());
  return m ? `v${m[1]}` : undefined;
}

function requirePhoneNumberId(id: string): string {
  const v = id.trim();
  if (!v) throw invalid('whatsapp_phone_number_id is required');
  if (!/^\d{1,20}$/.test(v)) throw invalid(`whatsapp_phone_number_id must be Meta's numeric phone number id, got "${id}"`);
  return v;
}

function requireApiKey(key: string): string {
  const v = key.trim();
  if (!v) throw invalid('whatsapp_api_key (the business access token) is required');
  if (/\s/.test(v)) throw invalid('whatsapp_api_key must not contain whitespace');
  return v;
}

function checkBizOpaque(data: string): string | undefined {
  if (!data) return undefined;
  if (data.length > MAX_BIZ_OPAQUE) throw invalid(`whatsapp_biz_opaque_callback_data is limited to ${MAX_BIZ_OPAQUE} characters (got ${data.length})`);
  return data;
}

function checkRoomName(name: string): string | undefined {
  if (!name) return undefined;
  if (name.length > MAX_ROOM_NAME) throw invalid(`room_name is limited to ${MAX_ROOM_NAME} characters`);
  if (/[\u0000-\u001f\u007f]/.test(name)) throw invalid('room_name must not contain control characters');
  return name;
}

function requireSdp(sd: SessionDescription | undefined, type: 'offer' | 'answer'): string {
  if (!sd || !sd.sdp) throw invalid(`sdp is required: Meta's SDP ${type}`);
  if (sd.type !== type) throw invalid(`sdp.type must be "${type}", got "${sd.type}"`);
  const parsed = parseSdp(sd.sdp);
  if (!parsed.ok) throw invalid(`sdp is not a usable WebRTC ${type}: ${parsed.reason}`);
  return sd.sdp;
}

// --- SDP ---------------------------------------------------------------------------------------

export interface ParsedSdp {
  ok: boolean;
  reason?: string;
  mid?: string;
  opusPayloadType?: number;
  telephoneEventPayloadType?: number;
  setup?: string;
}

/** The little of an SDP the connector needs: one audio section with Opus, ICE credentials and a DTLS fingerprint. */
export function parseSdp(sdp: string): ParsedSdp {
  const lines = sdp.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  if (lines[0] !== 'v=0') return { ok: false, reason: 'does not start with v=0' };
  const audio = lines.findIndex((l) => l.startsWith('m=audio '));
  if (audio === -1) return { ok: false, reason: 'no m=audio section' };
  const media = lines.slice(audio);
  const attr = (name: string) => lines.find((l) => l.startsWith(`a=${name}:`))?.slice(name.length + 3).trim();
  const rtpmap = (re: RegExp) => {
    for (const l of media) {
      const m = /^a=rtpmap:(\d+) (.+)$/.exec(l);
      if (m && re.test(m[2])) return Number(m[1]);
    }
    return undefined;
  };
  const opus = rtpmap(/^opus\/48000/i);
  if (opus === undefined) return { ok: false, reason: 'no Opus codec (a=rtpmap:<pt> opus/48000/2)' };
  if (!attr('ice-ufrag') || !attr('ice-pwd')) return { ok: false, reason: 'no ICE credentials (a=ice-ufrag / a=ice-pwd)' };
  if (!attr('fingerprint')) return { ok: false, reason: 'no DTLS fingerprint (a=fingerprint)' };
  return {
    ok: true,
    mid: media.find((l) => l.startsWith('a=mid:'))?.slice(6).trim(),
    opusPayloadType: opus,
    telephoneEventPayloadType: rtpmap(/^telephone-event\/8000/i),
    setup: attr('setup'),
  };
}

const ICE_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const iceString = (n: number) => Array.from({ length: n }, () => ICE_CHARS[randomInt(ICE_CHARS.length)]).join('');

/**
 * A plausible SDP of LiveKit's media server (ICE-lite, DTLS-SRTP, Opus): an offer for
 * DialWhatsAppCall, or an answer matching Meta's offer (its mid, payload types, DTLS role).
 */
export function webrtcSdp(kind: 'offer' | 'answer', offer?: ParsedSdp): string {
  const fingerprint = createHash('sha256')
    .update(randomBytes(64))
    .digest('hex')
    .toUpperCase()
    .match(/../g)!
    .join(':');
  const port = 50000 + randomInt(10000);
  const ssrc = randomInt(1, 2 ** 32 - 1);
  const mid = offer?.mid ?? '0';
  const opus = offer?.opusPayloadType ?? 111;
  const dtmf = kind === 'offer' ? 126 : offer?.telephoneEventPayloadType;
  const setup = kind === 'offer' ? 'actpass' : offer?.setup === 'active' ? 'passive' : 'active';
  const stream = `PA_${iceString(12)}`;
  const track = `TR_${iceString(12)}`;
  return [
    'v=0',
    `o=- ${BigInt('0x' + randomBytes(7).toString('hex'))} ${Math.floor(Date.now() / 1000)} IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    `a=group:BUNDLE ${mid}`,
    'a=msid-semantic:WMS *',
    'a=ice-lite',
    `a=fingerprint:sha-256 ${fingerprint}`,
    `m=audio ${port} UDP/TLS/RTP/SAVPF ${opus}${dtmf !== undefined ? ` ${dtmf}` : ''}`,
    'c=IN IP4 127.0.0.1',
    `a=candidate:${randomInt(1, 2 ** 31)} 1 udp 2130706431 127.0.0.1 ${port} typ host generation 0`,
    'a=end-of-candidates',
    `a=ice-ufrag:${iceString(16)}`,
    `a=ice-pwd:${iceString(32)}`,
    `a=setup:${setup}`,
    `a=mid:${mid}`,
    'a=sendrecv',
    `a=msid:${stream} ${track}`,
    'a=rtcp-mux',
    `a=rtpmap:${opus} opus/48000/2`,
    `a=fmtp:${opus} minptime=10;useinbandfec=1`,
    ...(dtmf !== undefined ? [`a=rtpmap:${dtmf} telephone-event/8000`] : []),
    `a=ssrc:${ssrc} cname:${stream}`,
    `a=ssrc:${ssrc} msid:${stream} ${track}`,
    '',
  ].join('\r\n');
}

function answerFor(offerSdp: string): string {
  return webrtcSdp('answer', parseSdp(offerSdp));
}

function view(call: ConnectorCall): ConnectorCallView {
  const { whatsappApiKey: key, ...rest } = call;
  return { ...rest, whatsappApiKeyHint: key.length > 8 ? `…${key.slice(-4)}` : '…' };
}
