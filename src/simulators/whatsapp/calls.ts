import type { CallActionRequest, CallPermissionsResponse, CallWebhookCall, CallWebhookStatus, IncomingMessage } from '../../whatsapp/types';
import {
  callsValue,
  fakeSdp,
  graphError,
  inboundMessagesValue,
  newCallId,
  newMessageId,
  SimControlError,
  type WebhookMetadataInput,
} from './payloads';

/**
 * Call permissions and calls, like the Cloud API's calling feature: permission requests and
 * replies, business-initiated calls (connect → RINGING → customer accepts / rejects →
 * terminate) and customer-initiated calls (connect with an SDP offer → pre_accept / accept /
 * reject → terminate). Time is the simulator clock.
 */

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

export interface CallLimits {
  /** Connected business-initiated calls per business+user per rolling 24 h (Meta: 100 today; the seed says 5). */
  businessCallsPer24h: number;
  permissionRequestsPer24h: number;
  permissionRequestsPer7d: number;
  temporaryPermissionMs: number;
  /** Unanswered / rejected business calls in a row after which Meta revokes the permission. */
  revokeAfterUnanswered: number;
  /** How long a call rings before it is terminated as not answered. */
  ringTimeoutMs: number;
}

export const DEFAULT_CALL_LIMITS: CallLimits = {
  businessCallsPer24h: 100,
  permissionRequestsPer24h: 1,
  permissionRequestsPer7d: 2,
  temporaryPermissionMs: 7 * DAY_MS,
  revokeAfterUnanswered: 4,
  ringTimeoutMs: 30_000,
};

export interface CallsContext {
  now(): number;
  metadata(phoneNumberId: string): WebhookMetadataInput;
  customerName(waId: string): string;
  emit(orderingKey: string, kind: string, field: string, value: Record<string, unknown>): void;
  callbackPermissionEnabled(phoneNumberId: string): boolean;
  callingEnabled(phoneNumberId: string): boolean;
}

/** Who answered a permission request: the user, or Meta itself (a callback grant, a revocation). */
export type PermissionReplySource = 'user_action' | 'automatic';

interface PermissionState {
  status: 'none' | 'pending' | 'granted' | 'denied';
  permanent: boolean;
  expiresAt?: number;
  requestTimes: number[];
  connectedCallTimes: number[];
  consecutiveUnanswered: number;
  lastRequestMessageId?: string;
}

export interface SimCall {
  id: string;
  phoneNumberId: string;
  waId: string;
  direction: 'BUSINESS_INITIATED' | 'USER_INITIATED';
  state: 'ringing' | 'pre_accepted' | 'accepted' | 'ended';
  createdAt: number;
  acceptedAt?: number;
  endedAt?: number;
  endStatus?: 'COMPLETED' | 'FAILED';
  bizOpaqueCallbackData?: string;
  offerSdp?: string;
  answerSdp?: string;
}

const seconds = (ms: number) => String(Math.floor(ms / 1000));

export class CallCenter {
  private readonly permissions = new Map<string, PermissionState>();
  private readonly calls = new Map<string, SimCall>();

  constructor(
    private readonly ctx: CallsContext,
    readonly limits: CallLimits = DEFAULT_CALL_LIMITS,
  ) {}

  reset(): void {
    this.permissions.clear();
    this.calls.clear();
  }

  list(): SimCall[] {
    return [...this.calls.values()];
  }

  get(callId: string): SimCall | undefined {
    return this.calls.get(callId);
  }

  /** Called when the business sends a call_permission_request (interactive or template); throws when over the limits. */
  recordPermissionRequest(phoneNumberId: string, waId: string, messageId: string): void {
    const p = this.permission(phoneNumberId, waId);
    const now = this.ctx.now();
    const day = p.requestTimes.filter((t) => t > now - DAY_MS).length;
    const week = p.requestTimes.filter((t) => t > now - 7 * DAY_MS).length;
    if (day >= this.limits.permissionRequestsPer24h || week >= this.limits.permissionRequestsPer7d) {
      throw graphError(
        CALL_ERROR_CODES.permissionRequestLimit,
        `call permission request limit reached for ${waId}: ${this.limits.permissionRequestsPer24h} per 24 h, ${this.limits.permissionRequestsPer7d} per 7 days`,
      );
    }
    p.requestTimes.push(now);
    p.lastRequestMessageId = messageId;
    if (!this.hasPermission(p)) p.status = 'pending';
  }

  /** The customer answers a permission request; returns what the reply webhook reports. */
  /**
   * Records the answer and sends Meta's `call_permission_reply` webhook. A user's answer quotes the
   * request it answers (`context`); Meta's automatic ones quote nothing.
   */
  permissionReply(
    phoneNumberId: string,
    waId: string,
    reply: { accept: boolean; permanent: boolean; source: PermissionReplySource },
  ): { id: string; expirationTimestamp?: number } {
    const p = this.permission(phoneNumberId, waId);
    const now = this.ctx.now();
    if (reply.accept) {
      p.status = 'granted';
      p.permanent = reply.permanent;
      p.expiresAt = reply.permanent ? undefined : now + this.limits.temporaryPermissionMs;
      p.consecutiveUnanswered = 0;
    } else {
      p.status = reply.source === 'automatic' ? 'none' : 'denied';
      p.permanent = false;
      p.expiresAt = undefined;
    }
    const expirationTimestamp = p.expiresAt !== undefined ? Math.floor(p.expiresAt / 1000) : undefined;
    const meta = this.ctx.metadata(phoneNumberId);
    const id = newMessageId(waId);
    const context = reply.source === 'user_action' && p.lastRequestMessageId ? { from: meta.displayPhoneNumber, id: p.lastRequestMessageId } : undefined;
    const message = {
      from: waId,
      id,
      timestamp: seconds(now),
      type: 'interactive',
      ...(context ? { context } : {}),
      interactive: {
        type: 'call_permission_reply',
        call_permission_reply: {
          response: reply.accept ? 'accept' : 'reject',
          is_permanent: reply.accept && reply.permanent,
          // Meta's reference types it as a string, and its samples send one.
          ...(expirationTimestamp !== undefined ? { expiration_timestamp: String(expirationTimestamp) } : {}),
          response_source: reply.source,
        },
      },
    } as IncomingMessage;
    this.ctx.emit(id, 'message:call_permission_reply', 'messages', inboundMessagesValue(meta, waId, this.ctx.customerName(waId), message));
    return { id, expirationTimestamp };
  }

  permissionsResponse(phoneNumberId: string, waId: string): CallPermissionsResponse {
    const p = this.permission(phoneNumberId, waId);
    const now = this.ctx.now();
    const granted = this.hasPermission(p);
    // Meta's live vocabulary: a request waiting for its answer, a refusal and a lapse are all no_permission.
    const status = !granted ? 'no_permission' : p.permanent ? 'permanent' : 'temporary';
    const callsToday = p.connectedCallTimes.filter((t) => t > now - DAY_MS);
    const requestsDay = p.requestTimes.filter((t) => t > now - DAY_MS);
    const requestsWeek = p.requestTimes.filter((t) => t > now - 7 * DAY_MS);
    const canRequest =
      !(granted && p.permanent) &&
      requestsDay.length < this.limits.permissionRequestsPer24h &&
      requestsWeek.length < this.limits.permissionRequestsPer7d;
    const limit = (period: string, times: number[], max: number, windowMs: number) => ({
      time_period: period,
      current_usage: times.length,
      max_allowed: max,
      // Meta names when a limit frees up only once it is reached.
      ...(times.length >= max ? { limit_expiration_time: Math.floor((Math.min(...times) + windowMs) / 1000) } : {}),
    });
    return {
      messaging_product: 'whatsapp',
      permission: { status, ...(granted && p.expiresAt !== undefined ? { expiration_time: Math.floor(p.expiresAt / 1000) } : {}) },
      actions: [
        {
          action_name: 'send_call_permission_request',
          can_perform_action: canRequest,
          limits: [
            limit('PT24H', requestsDay, this.limits.permissionRequestsPer24h, DAY_MS),
            limit('P7D', requestsWeek, this.limits.permissionRequestsPer7d, 7 * DAY_MS),
          ],
        },
        {
          action_name: 'start_call',
          can_perform_action: granted && callsToday.length < this.limits.businessCallsPer24h,
          limits: [limit('PT24H', callsToday, this.limits.businessCallsPer24h, DAY_MS)],
        },
      ],
    };
  }

  /** POST /{phone-number-id}/calls (body already validated against the spec). */
  businessAction(phoneNumberId: string, body: CallActionRequest): Record<string, unknown> {
    if (body.action === 'connect') return this.connect(phoneNumberId, body as CallActionRequest & { to: string });
    const call = this.findTarget(phoneNumberId, body as { call_id?: string; to?: string });
    const bizData = (body as { biz_opaque_callback_data?: string }).biz_opaque_callback_data;
    if (bizData !== undefined) call.bizOpaqueCallbackData = bizData;
    const session = (body as { session?: { sdp: string } }).session;
    switch (body.action) {
      case 'pre_accept':
      case 'accept': {
        if (call.direction !== 'USER_INITIATED' || (call.state !== 'ringing' && call.state !== 'pre_accepted')) {
          throw graphError(100, `call ${call.id} cannot be ${body.action}ed in state ${call.state} (${call.direction})`);
        }
        if (session) call.answerSdp = session.sdp;
        if (body.action === 'accept') {
          call.state = 'accepted';
          call.acceptedAt = this.ctx.now();
          this.connected(call);
        } else {
          call.state = 'pre_accepted';
        }
        return { success: true };
      }
      case 'reject':
        if (call.direction !== 'USER_INITIATED' || call.state === 'accepted') {
          throw graphError(100, `call ${call.id} cannot be rejected in state ${call.state} (${call.direction})`);
        }
        this.end(call, 'FAILED');
        return { success: true };
      case 'terminate':
        this.end(call, call.state === 'accepted' ? 'COMPLETED' : 'FAILED');
        return { success: true };
      default:
        throw graphError(100, `unsupported action ${String(body.action)}`);
    }
  }

  /** The customer picks up a business-initiated call. */
  customerAccept(callId: string): SimCall {
    const call = this.ringingBusinessCall(callId);
    call.state = 'accepted';
    call.acceptedAt = this.ctx.now();
    call.answerSdp = fakeSdp('answer');
    this.permission(call.phoneNumberId, call.waId).consecutiveUnanswered = 0;
    this.connected(call);
    this.emitCall(call, {
      ...this.callBase(call, 'connect'),
      session: { sdp_type: 'answer', sdp: call.answerSdp },
    });
    this.emitStatus(call, 'ACCEPTED');
    return call;
  }

  /** The customer declines a business-initiated call. */
  customerReject(callId: string): SimCall {
    const call = this.ringingBusinessCall(callId);
    this.emitStatus(call, 'REJECTED');
    this.unanswered(call);
    this.end(call, 'FAILED');
    return call;
  }

  /** The customer hangs up (or cancels their own ringing call). */
  customerHangup(callId: string): SimCall {
    const call = this.calls.get(callId);
    if (!call || call.state === 'ended') throw new SimControlError(`call ${callId} is not active`);
    this.end(call, call.state === 'accepted' ? 'COMPLETED' : 'FAILED');
    return call;
  }

  /** The customer calls the business: a connect webhook with their SDP offer. */
  customerCalls(phoneNumberId: string, waId: string): SimCall {
    const call: SimCall = {
      id: newCallId(waId),
      phoneNumberId,
      waId,
      direction: 'USER_INITIATED',
      state: 'ringing',
      createdAt: this.ctx.now(),
      offerSdp: fakeSdp('offer'),
    };
    this.calls.set(call.id, call);
    if (this.ctx.callbackPermissionEnabled(phoneNumberId)) {
      // With callback_permission_status ENABLED, calling the business grants a temporary permission.
      const p = this.permission(phoneNumberId, waId);
      if (!this.hasPermission(p)) this.permissionReply(phoneNumberId, waId, { accept: true, permanent: false, source: 'automatic' });
    }
    this.emitCall(call, { ...this.callBase(call, 'connect'), session: { sdp_type: 'offer', sdp: call.offerSdp! } });
    return call;
  }

  /** Ends calls that rang longer than ringTimeoutMs (simulator clock). */
  sweep(): void {
    const now = this.ctx.now();
    for (const call of this.calls.values()) {
      if ((call.state === 'ringing' || call.state === 'pre_accepted') && now - call.createdAt >= this.limits.ringTimeoutMs) {
        if (call.direction === 'BUSINESS_INITIATED') this.unanswered(call);
        this.end(call, 'FAILED');
      }
    }
  }

  private connect(phoneNumberId: string, body: { to: string; session?: { sdp: string }; biz_opaque_callback_data?: string }) {
    const waId = body.to.replace(/\D/g, '');
    if (!this.ctx.callingEnabled(phoneNumberId)) {
      throw graphError(CALL_ERROR_CODES.callingNotEnabled, `calling is not enabled on ${phoneNumberId} (settings calling.status)`);
    }
    const p = this.permission(phoneNumberId, waId);
    if (!this.hasPermission(p)) {
      throw graphError(CALL_ERROR_CODES.noPermission, `no approved call permission from ${waId}`);
    }
    const now = this.ctx.now();
    if (p.connectedCallTimes.filter((t) => t > now - DAY_MS).length >= this.limits.businessCallsPer24h) {
      throw graphError(CALL_ERROR_CODES.businessCallLimit, `business-initiated call limit reached for ${waId} (${this.limits.businessCallsPer24h} per 24 h)`);
    }
    const call: SimCall = {
      id: newCallId(waId),
      phoneNumberId,
      waId,
      direction: 'BUSINESS_INITIATED',
      state: 'ringing',
      createdAt: now,
      offerSdp: body.session?.sdp,
      bizOpaqueCallbackData: body.biz_opaque_callback_data,
    };
    this.calls.set(call.id, call);
    this.emitStatus(call, 'RINGING');
    return { messaging_product: 'whatsapp', calls: [{ id: call.id }] };
  }

  private findTarget(phoneNumberId: string, body: { call_id?: string; to?: string }): SimCall {
    if (body.call_id) {
      const call = this.calls.get(body.call_id);
      if (!call || call.phoneNumberId !== phoneNumberId) throw graphError(100, `unknown call_id ${body.call_id}`);
      if (call.state === 'ended') throw graphError(100, `call ${call.id} has already ended`);
      return call;
    }
    // The spec's own accept / reject examples address the call by `to`: the caller's active call.
    const waId = (body.to ?? '').replace(/\D/g, '');
    const call = [...this.calls.values()]
      .reverse()
      .find((c) => c.phoneNumberId === phoneNumberId && c.waId === waId && c.state !== 'ended');
    if (!call) throw graphError(100, `no active call with ${waId}`);
    return call;
  }

  private ringingBusinessCall(callId: string): SimCall {
    const call = this.calls.get(callId);
    if (!call) throw new SimControlError(`unknown call ${callId}`, 404);
    if (call.direction !== 'BUSINESS_INITIATED' || call.state !== 'ringing') {
      throw new SimControlError(`call ${callId} is not a ringing business-initiated call (${call.direction}, ${call.state})`);
    }
    return call;
  }

  private connected(call: SimCall): void {
    const p = this.permission(call.phoneNumberId, call.waId);
    if (call.direction === 'BUSINESS_INITIATED') p.connectedCallTimes.push(this.ctx.now());
    // Any connected call resets the permission-request limits.
    p.requestTimes = [];
  }

  private unanswered(call: SimCall): void {
    const p = this.permission(call.phoneNumberId, call.waId);
    p.consecutiveUnanswered++;
    if (p.consecutiveUnanswered >= this.limits.revokeAfterUnanswered && p.status === 'granted') {
      this.permissionReply(call.phoneNumberId, call.waId, { accept: false, permanent: false, source: 'automatic' });
    }
  }

  private end(call: SimCall, status: 'COMPLETED' | 'FAILED'): void {
    call.state = 'ended';
    call.endedAt = this.ctx.now();
    call.endStatus = status;
    const terminate: CallWebhookCall = { ...this.callBase(call, 'terminate'), status };
    if (call.acceptedAt !== undefined) {
      terminate.start_time = seconds(call.acceptedAt);
      terminate.end_time = seconds(call.endedAt);
      // Whole seconds between the two times it reports, as Meta's samples do.
      terminate.duration = Math.max(0, Number(terminate.end_time) - Number(terminate.start_time));
    }
    this.emitCall(call, terminate);
  }

  private callBase(call: SimCall, event: string): CallWebhookCall {
    const business = this.ctx.metadata(call.phoneNumberId).displayPhoneNumber;
    const outbound = call.direction === 'BUSINESS_INITIATED';
    return {
      id: call.id,
      from: outbound ? business : call.waId,
      to: outbound ? call.waId : business,
      event,
      timestamp: seconds(this.ctx.now()),
      direction: call.direction,
      ...(call.bizOpaqueCallbackData !== undefined ? { biz_opaque_callback_data: call.bizOpaqueCallbackData } : {}),
    };
  }

  private emitCall(call: SimCall, item: CallWebhookCall): void {
    // Meta's user-initiated calls reference shows the terminate without contacts.
    const customer = item.event === 'terminate' && call.direction === 'USER_INITIATED' ? null : this.customer(call);
    const value = callsValue(this.ctx.metadata(call.phoneNumberId), customer, { call: item });
    this.ctx.emit(call.id, `call:${item.event}`, 'calls', value);
  }

  private emitStatus(call: SimCall, status: CallWebhookStatus['status']): void {
    const item: CallWebhookStatus = {
      id: call.id,
      type: 'call',
      status,
      timestamp: seconds(this.ctx.now()),
      recipient_id: call.waId,
      ...(call.bizOpaqueCallbackData !== undefined ? { biz_opaque_callback_data: call.bizOpaqueCallbackData } : {}),
    };
    const value = callsValue(this.ctx.metadata(call.phoneNumberId), this.customer(call), { status: item });
    this.ctx.emit(call.id, `call_status:${status}`, 'calls', value);
  }

  private customer(call: SimCall) {
    return { waId: call.waId, name: this.ctx.customerName(call.waId) };
  }

  private hasPermission(p: PermissionState): boolean {
    return p.status === 'granted' && (p.permanent || (p.expiresAt ?? 0) > this.ctx.now());
  }

  private permission(phoneNumberId: string, waId: string): PermissionState {
    const key = `${phoneNumberId}:${waId}`;
    let p = this.permissions.get(key);
    if (!p) {
      p = { status: 'none', permanent: false, requestTimes: [], connectedCallTimes: [], consecutiveUnanswered: 0 };
      this.permissions.set(key, p);
    }
    return p;
  }
}
