import type { CallPermissionsResponse, IncomingMessage } from '../../whatsapp/types';
import type { CallLimits, CallsContext, SimCall } from './calls';
import { CALL_ERROR_CODES, DAY_MS, graphError, inboundMessagesValue, newMessageId, seconds } from './payloads';

/**
 * Call permissions per business number and user, like Meta's: requests within their limits,
 * the user's (or Meta's automatic) answers with their `call_permission_reply` webhooks,
 * expiry, revocation after unanswered calls, and the GET call_permissions answer.
 */

/** Who answered a permission request: the user, or Meta itself (a callback grant, a revocation). */
export type PermissionReplySource = 'user_action' | 'automatic';

export interface PermissionState {
  status: 'none' | 'pending' | 'granted' | 'denied';
  permanent: boolean;
  expiresAt?: number;
  requestTimes: number[];
  connectedCallTimes: number[];
  consecutiveUnanswered: number;
  lastRequestMessageId?: string;
}

export class CallPermissions {
  private readonly byPair = new Map<string, PermissionState>();

  constructor(
    private readonly ctx: CallsContext,
    private readonly limits: CallLimits,
  ) {}

  reset(): void {
    this.byPair.clear();
  }

  /** Called when the business sends a call_permission_request (interactive or template); throws when over the limits. */
  recordRequest(phoneNumberId: string, waId: string, messageId: string): void {
    const p = this.of(phoneNumberId, waId);
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
    if (!this.isGranted(p)) p.status = 'pending';
  }

  /**
   * Records the answer and sends Meta's `call_permission_reply` webhook. A user's answer quotes the
   * request it answers (`context`); Meta's automatic ones quote nothing.
   */
  reply(
    phoneNumberId: string,
    waId: string,
    reply: { accept: boolean; permanent: boolean; source: PermissionReplySource },
  ): { id: string; expirationTimestamp?: number } {
    const p = this.of(phoneNumberId, waId);
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

  /** GET /{phone-number-id}/call_permissions. */
  response(phoneNumberId: string, waId: string): CallPermissionsResponse {
    const p = this.of(phoneNumberId, waId);
    const now = this.ctx.now();
    const granted = this.isGranted(p);
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

  granted(phoneNumberId: string, waId: string): boolean {
    return this.isGranted(this.of(phoneNumberId, waId));
  }

  /** Connected business-initiated calls in the rolling 24 h. */
  callsToday(phoneNumberId: string, waId: string): number {
    const now = this.ctx.now();
    return this.of(phoneNumberId, waId).connectedCallTimes.filter((t) => t > now - DAY_MS).length;
  }

  callConnected(phoneNumberId: string, waId: string, direction: SimCall['direction']): void {
    const p = this.of(phoneNumberId, waId);
    if (direction === 'BUSINESS_INITIATED') p.connectedCallTimes.push(this.ctx.now());
    // Any connected call resets the permission-request limits.
    p.requestTimes = [];
  }

  /** Meta revokes the permission after this many unanswered business calls in a row, and says so. */
  callUnanswered(phoneNumberId: string, waId: string): void {
    const p = this.of(phoneNumberId, waId);
    p.consecutiveUnanswered++;
    if (p.consecutiveUnanswered >= this.limits.revokeAfterUnanswered && p.status === 'granted') {
      this.reply(phoneNumberId, waId, { accept: false, permanent: false, source: 'automatic' });
    }
  }

  private isGranted(p: PermissionState): boolean {
    return p.status === 'granted' && (p.permanent || (p.expiresAt ?? 0) > this.ctx.now());
  }

  of(phoneNumberId: string, waId: string): PermissionState {
    const key = `${phoneNumberId}:${waId}`;
    let p = this.byPair.get(key);
    if (!p) {
      p = { status: 'none', permanent: false, requestTimes: [], connectedCallTimes: [], consecutiveUnanswered: 0 };
      this.byPair.set(key, p);
    }
    return p;
  }
}
