import type { CallPermissionsResponse } from '../../whatsapp/types';
import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS, WEEK_MS } from './durations';

/** Durations and thresholds of the call-permission life cycle (per business + WhatsApp user). */
export interface PermissionLimits {
  /** A temporary grant without Meta's expiration_timestamp lasts this long from the reply. */
  readonly temporaryGrantMs: number;
  /** An unanswered request expires this long after it was sent. */
  readonly requestTtlMs: number;
  /** Meta revokes the grant after this many consecutive unanswered/rejected business calls. */
  readonly maxConsecutiveFailedCalls: number;
}

/** Meta: temporary grants last 7 days (168 h); unanswered requests expire 7 days after delivery; 4 failed calls revoke. */
export const DEFAULT_PERMISSION_LIMITS = {
  temporaryGrantMs: 7 * DAY_MS,
  requestTtlMs: 7 * DAY_MS,
  maxConsecutiveFailedCalls: 4,
} as const satisfies PermissionLimits;

/** Timestamps are epoch ms; null where only Meta's GET told us the state and not when it began. */
export type PermissionState =
  | { status: 'none' }
  | { status: 'pending'; requestedAt: number | null; requestExpiresAt: number | null }
  | {
      status: 'granted';
      kind: 'temporary' | 'permanent';
      grantedAt: number | null;
      /** null for permanent grants (and temporary ones Meta reported without a date). */
      expiresAt: number | null;
      consecutiveFailedCalls: number;
    }
  | { status: 'expired'; expiredAt: number | null }
  | { status: 'revoked'; revokedAt: number | null; by: 'user' | 'failed_calls' }
  | { status: 'denied'; deniedAt: number | null };

export type PermissionStatus = PermissionState['status'];

export const INITIAL_PERMISSION_STATE: PermissionState = { status: 'none' };

export type BusinessCallOutcome = 'connected' | 'unanswered' | 'rejected';

export type PermissionEvent =
  | { type: 'request_sent' }
  | { type: 'reply_accepted'; permanent: boolean; /** Meta's expiration_timestamp, converted to epoch ms. */ expiresAt?: number }
  | { type: 'reply_rejected' }
  /** The timer for requestTtlMs fired and no reply had arrived. */
  | { type: 'request_expired' }
  | { type: 'business_call_ended'; outcome: BusinessCallOutcome }
  | { type: 'revoked_by_user' }
  /** Meta's own reject (`response_source: automatic`): it revoked the grant after unanswered calls. */
  | { type: 'revoked_automatically' };

/** Meta's `interactive.call_permission_reply` as the webhook reads it (expiresAt: epoch ms). */
export interface PermissionReply {
  accepted: boolean;
  permanent: boolean;
  expiresAt: number | null;
  /** `response_source: automatic`: Meta answered, not the user (a callback grant, a revocation). */
  automatic?: boolean;
}

export function permissionEventFromReply(reply: PermissionReply): PermissionEvent {
  if (!reply.accepted) return reply.automatic ? { type: 'revoked_automatically' } : { type: 'reply_rejected' };
  return reply.expiresAt === null || reply.permanent
    ? { type: 'reply_accepted', permanent: reply.permanent }
    : { type: 'reply_accepted', permanent: false, expiresAt: reply.expiresAt };
}

/** The state as of `now`: a grant past its expiry is expired, a request past its TTL is gone. */
export function effectivePermission(state: PermissionState, now: number): PermissionState {
  if (state.status === 'granted' && state.expiresAt !== null && now >= state.expiresAt) {
    return { status: 'expired', expiredAt: state.expiresAt };
  }
  if (state.status === 'pending' && state.requestExpiresAt !== null && now >= state.requestExpiresAt) {
    return { status: 'none' };
  }
  return state;
}

/** True when a business-initiated call may be placed as far as the permission goes (the quota is separate). */
export function canCall(state: PermissionState, now: number): boolean {
  return effectivePermission(state, now).status === 'granted';
}

export function applyPermissionEvent(
  state: PermissionState,
  event: PermissionEvent,
  now: number,
  limits: PermissionLimits = DEFAULT_PERMISSION_LIMITS,
): PermissionState {
  const current = effectivePermission(state, now);
  switch (event.type) {
    case 'request_sent':
      // A working grant stays usable while the user answers a renewal request.
      if (current.status === 'granted') return current;
      return { status: 'pending', requestedAt: now, requestExpiresAt: now + limits.requestTtlMs };
    case 'reply_accepted':
      // Replies are accepted in any state: the user may accept after declining, and Meta's
      // webhook is the authority even if our request timer already fired.
      if (event.permanent) {
        return { status: 'granted', kind: 'permanent', grantedAt: now, expiresAt: null, consecutiveFailedCalls: 0 };
      }
      return {
        status: 'granted',
        kind: 'temporary',
        grantedAt: now,
        expiresAt: event.expiresAt ?? now + limits.temporaryGrantMs,
        consecutiveFailedCalls: 0,
      };
    case 'reply_rejected':
      // The user's latest answer is their current will, even over an earlier grant.
      return { status: 'denied', deniedAt: now };
    case 'request_expired':
      // "none", not "expired": nothing was ever granted, and Meta's "expired" means a lapsed grant.
      return current.status === 'pending' ? { status: 'none' } : current;
    case 'business_call_ended':
      return afterBusinessCall(current, event.outcome, now, limits);
    case 'revoked_by_user':
      return { status: 'revoked', revokedAt: now, by: 'user' };
    case 'revoked_automatically':
      return { status: 'revoked', revokedAt: now, by: 'failed_calls' };
  }
}

function afterBusinessCall(
  state: PermissionState,
  outcome: BusinessCallOutcome,
  now: number,
  limits: PermissionLimits,
): PermissionState {
  if (state.status !== 'granted') return state;
  if (outcome === 'connected') return { ...state, consecutiveFailedCalls: 0 };
  const consecutiveFailedCalls = state.consecutiveFailedCalls + 1;
  if (consecutiveFailedCalls >= limits.maxConsecutiveFailedCalls) {
    return { status: 'revoked', revokedAt: now, by: 'failed_calls' };
  }
  return { ...state, consecutiveFailedCalls };
}

// --- GET /{phone-number-id}/call_permissions

/** One of Meta's live limits on an action, with time_period parsed. */
export interface MetaActionLimit {
  /** Meta's time_period as sent (ISO 8601 duration such as "PT24H" or "P7D"; the spec's example says "24h"). */
  timePeriod: string;
  /** time_period in ms; null when it could not be parsed. */
  periodMs: number | null;
  maxAllowed: number;
  currentUsage: number;
  /** limit_expiration_time in epoch ms (Meta sends it when the limit is reached). */
  resetsAt: number | null;
}

export interface MetaActionStatus {
  canPerform: boolean;
  limits: MetaActionLimit[];
}

export interface MetaCallPermissions {
  state: PermissionState;
  /** null when Meta did not list the action. */
  startCall: MetaActionStatus | null;
  sendPermissionRequest: MetaActionStatus | null;
}

/**
 * Meta's answer mapped to our state. The spec lists granted/pending/denied/expired, while the
 * live API (since permanent permissions, Nov 2025) answers temporary/permanent/no_permission:
 * both vocabularies are accepted. An unknown status maps to "none" so that nobody dials on it.
 * Meta does not say when a state began nor count failed calls, so those start unknown/zero.
 */
export function permissionFromMeta(response: CallPermissionsResponse): MetaCallPermissions {
  const status: string = response.permission.status;
  const expiresAt = typeof response.permission.expiration_time === 'number' ? response.permission.expiration_time * SECOND_MS : null;
  const actions = response.actions ?? [];
  const action = (name: string): MetaActionStatus | null => {
    const found = actions.find((a) => a.action_name === name);
    if (!found) return null;
    return { canPerform: found.can_perform_action, limits: (found.limits ?? []).map(toActionLimit) };
  };
  return {
    state: stateFromMetaStatus(status, expiresAt),
    startCall: action('start_call'),
    sendPermissionRequest: action('send_call_permission_request'),
  };
}

function stateFromMetaStatus(status: string, expiresAt: number | null): PermissionState {
  const granted = (kind: 'temporary' | 'permanent'): PermissionState => ({
    status: 'granted',
    kind,
    grantedAt: null,
    expiresAt: kind === 'permanent' ? null : expiresAt,
    consecutiveFailedCalls: 0,
  });
  switch (status) {
    case 'granted':
      return granted(expiresAt === null ? 'permanent' : 'temporary');
    case 'temporary':
    case 'permanent':
      return granted(status);
    case 'pending':
      return { status: 'pending', requestedAt: null, requestExpiresAt: null };
    case 'denied':
      return { status: 'denied', deniedAt: null };
    case 'expired':
      return { status: 'expired', expiredAt: expiresAt };
    default:
      return { status: 'none' };
  }
}

type MetaLimit = NonNullable<NonNullable<CallPermissionsResponse['actions']>[number]['limits']>[number];

function toActionLimit(limit: MetaLimit): MetaActionLimit {
  return {
    timePeriod: limit.time_period,
    periodMs: parseTimePeriod(limit.time_period),
    maxAllowed: limit.max_allowed,
    currentUsage: limit.current_usage,
    resetsAt: typeof limit.limit_expiration_time === 'number' ? limit.limit_expiration_time * SECOND_MS : null,
  };
}

const ISO_DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;
const SHORT_DURATION = /^(\d+)\s*(s|m|h|d|w)$/;
const SHORT_UNITS: Record<string, number> = { s: SECOND_MS, m: MINUTE_MS, h: HOUR_MS, d: DAY_MS, w: WEEK_MS };

/** "PT24H", "P7D", "P1DT12H" or "24h"/"7d" → ms; null for anything else (years and months have no fixed length). */
export function parseTimePeriod(period: string): number | null {
  const text = period.trim().toUpperCase();
  const iso = ISO_DURATION.exec(text);
  if (iso && text !== 'P' && !text.endsWith('T')) {
    const [w, d, h, m, s] = iso.slice(1).map((v) => Number(v ?? 0));
    return w * WEEK_MS + d * DAY_MS + h * HOUR_MS + m * MINUTE_MS + s * SECOND_MS;
  }
  const short = SHORT_DURATION.exec(period.trim().toLowerCase());
  return short ? Number(short[1]) * SHORT_UNITS[short[2]] : null;
}

/** The live limit of an action whose window is `periodMs` long, if Meta reported one. */
export function findMetaLimit(action: MetaActionStatus | null, periodMs: number): MetaActionLimit | null {
  return action?.limits.find((l) => l.periodMs === periodMs) ?? null;
}
