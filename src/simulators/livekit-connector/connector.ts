import { randomBytes } from 'node:crypto';
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
import { CONNECTOR_ERRORS, TwirpError, callNotFound, invalid, metaTwirpError, type MetaErrorBody } from './errors';
import { answerFor, parseSdp, webrtcSdp } from './sdp';
import { ConnectorMedia, type CallMediaView, type SayResult } from './media';

export { TwirpError } from './errors';

/**
 * The logic of a stand-in for LiveKit Cloud's WhatsApp Connector (the HTTP/Twirp face is
 * server.ts). Like LiveKit Cloud, it does the Meta side itself: dialing POSTs `connect` with an
 * SDP offer to `{graphUrl}/{version}/{phone-number-id}/calls`, accepting POSTs `pre_accept` and
 * `accept` with an SDP answer, disconnecting POSTs `terminate` — with the business's access
 * token from the request. The calls' state (call id → room, phone number, token, direction,
 * SDPs) is kept in memory. Given a LiveKit server, the WhatsApp caller joins each connected
 * call's room and speaks the customer's clip (media.ts); no RTP flows to or from Meta.
 *
 * Like the real Connector (livekit/protocol `livekit_connector_whatsapp.proto`): only the Cloud
 * API versions LiveKit lists are accepted; a dialled call nobody answers (no
 * ConnectWhatsAppCall) within `ringing_timeout` is terminated at Meta; a call that has ended is
 * forgotten, so disconnecting it again — or disconnecting with USER_INITIATED after a
 * BUSINESS_INITIATED disconnect — answers not_found.
 */

/** The WhatsApp Cloud API versions LiveKit lists for the Connector (the form the proto's comment uses). */
export const SUPPORTED_CLOUD_API_VERSIONS = ['23.0', '24.0', '25.0'] as const;
/** When a dial names no ringing_timeout: livekit-server-sdk's DEFAULT_RINGING_TIMEOUT_SECONDS. */
export const DEFAULT_RINGING_TIMEOUT_SECONDS = 30;

export interface ConnectorLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

export interface LiveKitConnectorOptions {
  /** Base URL of the Graph API: the WhatsApp simulator locally, https://graph.facebook.com for real. */
  graphUrl: string;
  /** Timeout of each Graph API request. Default 8 s (the SDK gives up after 10 s). */
  graphTimeoutMs?: number;
  fetch?: typeof fetch;
  logger?: ConnectorLogger;
  /** The LiveKit server of the rooms: with it, the WhatsApp caller joins each connected call's room (media.ts). */
  livekit?: { url: string; apiKey: string; apiSecret: string };
}

export type ConnectorCallState = 'ringing' | 'connected' | 'ended';

/** One request the connector sent to the Graph API (what Meta received, for tests). */
export interface MetaRequest {
  action: string;
  callId?: string;
  status: number;
}

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
  /** business / user: a DisconnectWhatsAppCall; ringing_timeout: nobody answered in time. */
  endedBy?: 'business' | 'user' | 'ringing_timeout';
}

/** What the control API shows: the call with the business's token reduced to its last characters. */
export type ConnectorCallView = Omit<ConnectorCall, 'whatsappApiKey'> & { whatsappApiKeyHint: string; media?: CallMediaView };

const MAX_BIZ_OPAQUE = 512; // Meta's limit
const MAX_ROOM_NAME = 256;
const MAX_KEPT_CALLS = 5000;

const digits = (s: string) => s.replace(/\D/g, '');

export class LiveKitConnector {
  private readonly graphUrl: string;
  private readonly graphTimeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly logger?: ConnectorLogger;
  private readonly calls = new Map<string, ConnectorCall>();
  private readonly ringTimers = new Map<string, NodeJS.Timeout>();
  private readonly metaRequestLog: MetaRequest[] = [];
  /** Fault: the next AcceptWhatsAppCall holds its answer this long after accepting at Meta. */
  private acceptAnswerDelayMs = 0;
  private readonly media?: ConnectorMedia;

  constructor(options: LiveKitConnectorOptions) {
    if (!options.graphUrl) throw new Error('graphUrl is required');
    this.graphUrl = options.graphUrl.replace(/\/+$/, '');
    this.graphTimeoutMs = options.graphTimeoutMs ?? 8000;
    this.fetchImpl = options.fetch ?? fetch;
    this.logger = options.logger;
    if (options.livekit) this.media = new ConnectorMedia({ livekit: options.livekit, graphUrl: this.graphUrl, logger: options.logger });
  }

  // --- the Connector API ---------------------------------------------------------------------

  /** Business-initiated call: `connect` with our SDP offer; Meta's answer comes later through ConnectWhatsAppCall. */
  async dialWhatsAppCall(req: DialWhatsAppCallRequest): Promise<DialWhatsAppCallResponse> {
    const phoneNumberId = requirePhoneNumberId(req.whatsappPhoneNumberId);
    const to = req.whatsappToPhoneNumber.trim();
    if (!to) throw invalid(CONNECTOR_ERRORS.missingToNumber);
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
    const ringingSeconds = ringing ?? DEFAULT_RINGING_TIMEOUT_SECONDS;

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
      throw invalid(CONNECTOR_ERRORS.missingCallIdInResponse, { whatsapp_response: JSON.stringify(result) });
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
      ringingTimeoutSeconds: ringingSeconds,
      localSdp: { type: 'offer', sdp: offer },
      createdAt: new Date().toISOString(),
    });
    this.startRingTimer(callId, ringingSeconds);
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
    if (call.state === 'connected') {
      if (call.remoteSdp?.sdp === answer) return new ConnectWhatsAppCallResponse(); // a retry
      throw new TwirpError('failed_precondition', `call ${call.whatsappCallId} is already connected with another SDP answer`);
    }
    call.remoteSdp = { type: 'answer', sdp: answer };
    call.state = 'connected';
    call.connectedAt = new Date().toISOString();
    this.stopRingTimer(call.whatsappCallId);
    this.logger?.info({ whatsappCallId: call.whatsappCallId, roomName: call.roomName }, 'whatsapp call connected');
    this.media?.connected(call);
    return new ConnectWhatsAppCallResponse();
  }

  /** User-initiated call: answer Meta's SDP offer, `pre_accept` then `accept`. */
  async acceptWhatsAppCall(req: AcceptWhatsAppCallRequest): Promise<AcceptWhatsAppCallResponse> {
    const phoneNumberId = requirePhoneNumberId(req.whatsappPhoneNumberId);
    const apiKey = requireApiKey(req.whatsappApiKey);
    const version = this.version(req.whatsappCloudApiVersion);
    const callId = req.whatsappCallId.trim();
    if (!callId) throw invalid(CONNECTOR_ERRORS.missingCallId);
    const offer = requireSdp(req.sdp, 'offer');
    const bizData = checkBizOpaque(req.whatsappBizOpaqueCallbackData);
    const requestedRoom = checkRoomName(req.roomName);

    const existing = this.calls.get(callId);
    if (existing?.direction === 'outbound' && existing.state !== 'ended') {
      throw new TwirpError('failed_precondition', `call ${callId} is business-initiated: use ConnectWhatsAppCall`);
    }
    // No de-duplication here: a second accept of the same call goes to Meta again, as a
    // client that cannot tell whether its first accept got through would make it happen.

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
    this.media?.connected(this.calls.get(callId)!);
    const delay = this.acceptAnswerDelayMs;
    this.acceptAnswerDelayMs = 0;
    // The real Connector can take long to answer (it waits for the room's participants to publish).
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    return new AcceptWhatsAppCallResponse({ roomName });
  }

  /**
   * Ends a call. BUSINESS_INITIATED (the default) terminates it at Meta with the given token;
   * USER_INITIATED (the customer hung up: Meta's terminate webhook) only frees our side. A call
   * that has ended is unknown from then on (not_found), as the proto warns for a second
   * disconnect. When Meta refuses the terminate, the error is passed on and the call stays
   * until a USER_INITIATED disconnect frees it.
   */
  async disconnectWhatsAppCall(req: DisconnectWhatsAppCallRequest): Promise<DisconnectWhatsAppCallResponse> {
    const call = this.known(req.whatsappCallId);
    const reason = req.disconnectReason;
    if (reason === DisconnectWhatsAppCallRequest_DisconnectReason.USER_INITIATED) {
      this.ended(call, 'user');
      return new DisconnectWhatsAppCallResponse();
    }
    if (reason !== DisconnectWhatsAppCallRequest_DisconnectReason.BUSINESS_INITIATED) {
      throw invalid(`unknown disconnect_reason ${String(reason)}`);
    }
    const apiKey = req.whatsappApiKey.trim();
    if (!apiKey) throw invalid(`${CONNECTOR_ERRORS.missingApiKey} when disconnect_reason is BUSINESS_INITIATED`);
    await this.graph(call.phoneNumberId, call.cloudApiVersion, apiKey, 'terminate', {
      messaging_product: 'whatsapp',
      call_id: call.whatsappCallId,
      action: 'terminate',
    });
    this.ended(call, 'business');
    return new DisconnectWhatsAppCallResponse();
  }

  // --- inspection and faults (control API) ----------------------------------------------------

  list(): ConnectorCallView[] {
    return [...this.calls.values()].map((c) => this.view(c));
  }

  get(callId: string): ConnectorCallView | undefined {
    const call = this.calls.get(callId);
    return call && this.view(call);
  }

  private view(call: ConnectorCall): ConnectorCallView {
    return { ...view(call), media: this.media?.view(call.whatsappCallId) };
  }

  /** The call's WhatsApp caller speaks this clip next (control API); undefined when this simulator has no LiveKit. */
  say(callId: string, clip: Buffer): SayResult | undefined {
    return this.media?.say(callId, clip);
  }

  /** The callers leave their rooms (the simulator is closing). */
  async close(): Promise<void> {
    for (const timer of this.ringTimers.values()) clearTimeout(timer);
    await this.media?.closeAll();
  }

  /** Every request sent to the Graph API, oldest first. */
  metaRequests(filter: { callId?: string; action?: string } = {}): MetaRequest[] {
    return this.metaRequestLog.filter((r) => (!filter.callId || r.callId === filter.callId) && (!filter.action || r.action === filter.action));
  }

  /** The next AcceptWhatsAppCall answers `ms` late (after it has accepted at Meta). */
  delayNextAcceptAnswer(ms: number): void {
    if (!Number.isInteger(ms) || ms < 0) throw new Error('delay must be a non-negative integer of milliseconds');
    this.acceptAnswerDelayMs = ms;
  }

  reset(): void {
    for (const timer of this.ringTimers.values()) clearTimeout(timer);
    this.ringTimers.clear();
    this.calls.clear();
    this.metaRequestLog.length = 0;
    this.acceptAnswerDelayMs = 0;
    void this.media?.closeAll();
  }

  // --- internals ------------------------------------------------------------------------------

  /** Only the versions LiveKit lists; "v24.0" is the Graph path form, not the Connector's. */
  private version(requested: string): string {
    const v = requested.trim();
    if (!(SUPPORTED_CLOUD_API_VERSIONS as readonly string[]).includes(v)) {
      throw invalid(`${CONNECTOR_ERRORS.versionNotSupported}: "${requested}" (supported: ${SUPPORTED_CLOUD_API_VERSIONS.join(', ')})`);
    }
    return `v${v}`;
  }

  /** A call the Connector still holds: an ended call is forgotten. */
  private known(callId: string): ConnectorCall {
    const id = callId.trim();
    if (!id) throw invalid(CONNECTOR_ERRORS.missingCallId);
    const call = this.calls.get(id);
    if (!call || call.state === 'ended') throw callNotFound(id);
    return call;
  }

  private ended(call: ConnectorCall, by: NonNullable<ConnectorCall['endedBy']>): void {
    this.stopRingTimer(call.whatsappCallId);
    call.state = 'ended';
    call.endedAt = new Date().toISOString();
    call.endedBy = by;
    this.media?.ended(call.whatsappCallId);
    this.logger?.info({ whatsappCallId: call.whatsappCallId, roomName: call.roomName, endedBy: by }, 'whatsapp call disconnected');
  }

  /** Nobody answered within ringing_timeout: hang up at Meta, whose terminate webhook tells the business. */
  private startRingTimer(callId: string, seconds: number): void {
    const timer = setTimeout(() => {
      this.ringTimers.delete(callId);
      const call = this.calls.get(callId);
      if (call?.state !== 'ringing') return;
      this.logger?.info({ whatsappCallId: callId, ringingTimeoutSeconds: seconds }, 'whatsapp call not answered within the ringing timeout');
      this.graph(call.phoneNumberId, call.cloudApiVersion, call.whatsappApiKey, 'terminate', {
        messaging_product: 'whatsapp',
        call_id: callId,
        action: 'terminate',
      }).then(
        () => this.ended(call, 'ringing_timeout'),
        (err: unknown) => {
          // Meta had ended it already (the customer rejected): the call is over all the same.
          this.logger?.warn({ whatsappCallId: callId, err: (err as Error).message }, 'terminate after the ringing timeout failed');
          this.ended(call, 'ringing_timeout');
        },
      );
    }, seconds * 1000);
    timer.unref();
    this.ringTimers.set(callId, timer);
  }

  private stopRingTimer(callId: string): void {
    clearTimeout(this.ringTimers.get(callId));
    this.ringTimers.delete(callId);
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
      this.metaRequestLog.push({ action, callId: body.call_id as string | undefined, status: 0 });
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
    const responseCallId = (parsed as { calls?: Array<{ id?: string }> } | undefined)?.calls?.[0]?.id;
    this.metaRequestLog.push({ action, callId: (body.call_id as string | undefined) ?? responseCallId, status: res.status });
    if (this.metaRequestLog.length > MAX_KEPT_CALLS * 4) this.metaRequestLog.splice(0, MAX_KEPT_CALLS);
    if (res.ok && parsed && typeof parsed === 'object') return parsed;
    const metaError = (parsed as { error?: MetaErrorBody } | undefined)?.error;
    const err = metaTwirpError(action, res.status, metaError, text);
    this.logger?.warn({ url, action, status: res.status, code: metaError?.code, msg: metaError?.message }, 'whatsapp graph api error');
    throw err;
  }
}

// --- validation --------------------------------------------------------------------------------

function requirePhoneNumberId(id: string): string {
  const v = id.trim();
  if (!v) throw invalid(CONNECTOR_ERRORS.missingPhoneNumberId);
  if (!/^\d{1,20}$/.test(v)) throw invalid(`whatsapp_phone_number_id must be Meta's numeric phone number id, got "${id}"`);
  return v;
}

function requireApiKey(key: string): string {
  const v = key.trim();
  if (!v) throw invalid(CONNECTOR_ERRORS.missingApiKey);
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
  if (sd.type !== type) throw invalid(`${CONNECTOR_ERRORS.incorrectSdpType}: must be "${type}", got "${sd.type}"`);
  const parsed = parseSdp(sd.sdp);
  if (!parsed.ok) throw invalid(`sdp is not a usable WebRTC ${type}: ${parsed.reason}`);
  return sd.sdp;
}

function view(call: ConnectorCall): ConnectorCallView {
  const { whatsappApiKey: key, ...rest } = call;
  return { ...rest, whatsappApiKeyHint: key.length > 8 ? `…${key.slice(-4)}` : '…' };
}
