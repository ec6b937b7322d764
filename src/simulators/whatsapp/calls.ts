import type { CallActionRequest, CallWebhookCall, CallWebhookStatus } from '../../whatsapp/types';
import { CallPermissions } from './call-permissions';
import { CALL_ERROR_CODES, callsValue, DAY_MS, fakeSdp, graphError, newCallId, seconds, SimControlError, type WebhookMetadataInput } from './payloads';

/**
 * Calls, like the Cloud API's calling feature: business-initiated calls (connect → RINGING →
 * customer accepts / rejects → terminate) and customer-initiated calls (connect with an SDP offer
 * → pre_accept / accept / reject → terminate), within the permissions of call-permissions.ts.
 * Time is the simulator clock.
 */

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


export class CallCenter {
  readonly permissions: CallPermissions;
  private readonly calls = new Map<string, SimCall>();

  constructor(
    private readonly ctx: CallsContext,
    readonly limits: CallLimits = DEFAULT_CALL_LIMITS,
  ) {
    this.permissions = new CallPermissions(ctx, limits);
  }

  reset(): void {
    this.permissions.reset();
    this.calls.clear();
  }

  list(): SimCall[] {
    return [...this.calls.values()];
  }

  get(callId: string): SimCall | undefined {
    return this.calls.get(callId);
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
    this.permissions.of(call.phoneNumberId, call.waId).consecutiveUnanswered = 0;
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
      if (!this.permissions.granted(phoneNumberId, waId)) {
        this.permissions.reply(phoneNumberId, waId, { accept: true, permanent: false, source: 'automatic' });
      }
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
    if (!this.permissions.granted(phoneNumberId, waId)) {
      throw graphError(CALL_ERROR_CODES.noPermission, `no approved call permission from ${waId}`);
    }
    const now = this.ctx.now();
    if (this.permissions.callsToday(phoneNumberId, waId) >= this.limits.businessCallsPer24h) {
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
    this.permissions.callConnected(call.phoneNumberId, call.waId, call.direction);
  }

  private unanswered(call: SimCall): void {
    this.permissions.callUnanswered(call.phoneNumberId, call.waId);
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
}
