import type { CallPermissionsResponse } from '../../whatsapp/types';
import { DAY_MS, HOUR_MS, WEEK_MS } from './durations';
import {
  applyPermissionEvent,
  canCall,
  DEFAULT_PERMISSION_LIMITS,
  effectivePermission,
  INITIAL_PERMISSION_STATE,
  parseTimePeriod,
  permissionEventFromReply,
  permissionFromMeta,
  type PermissionEvent,
  type PermissionState,
} from './permission-state';

const t0 = Date.UTC(2025, 5, 2, 12, 0, 0);

/** Applies events one hour apart starting at t0. */
function run(events: PermissionEvent[], start: PermissionState = INITIAL_PERMISSION_STATE): PermissionState {
  return events.reduce((state, event, i) => applyPermissionEvent(state, event, t0 + i * HOUR_MS), start);
}

const granted = (over: Partial<Extract<PermissionState, { status: 'granted' }>> = {}): PermissionState => ({
  status: 'granted',
  kind: 'temporary',
  grantedAt: t0,
  expiresAt: t0 + WEEK_MS,
  consecutiveFailedCalls: 0,
  ...over,
});
const call = (outcome: 'connected' | 'unanswered' | 'rejected'): PermissionEvent => ({ type: 'business_call_ended', outcome });

describe('applyPermissionEvent', () => {
  it('goes pending when a request is sent, expiring after the request TTL', () => {
    expect(run([{ type: 'request_sent' }])).toEqual({ status: 'pending', requestedAt: t0, requestExpiresAt: t0 + 7 * DAY_MS });
  });

  it("grants a temporary permission until Meta's expiration_timestamp", () => {
    const reply = permissionEventFromReply({ accepted: true, permanent: false, expiresAt: 1_750_000_000_000 });
    expect(reply).toEqual({ type: 'reply_accepted', permanent: false, expiresAt: 1_750_000_000_000 });
    expect(run([{ type: 'request_sent' }, reply])).toEqual(granted({ grantedAt: t0 + HOUR_MS, expiresAt: 1_750_000_000_000 }));
  });

  it('grants 7 days by default when Meta sent no expiration', () => {
    const state = run([{ type: 'request_sent' }, { type: 'reply_accepted', permanent: false }]);
    expect(state).toEqual(granted({ grantedAt: t0 + HOUR_MS, expiresAt: t0 + HOUR_MS + 7 * DAY_MS }));
  });

  it('grants a permanent permission that never expires', () => {
    const reply = permissionEventFromReply({ accepted: true, permanent: true, expiresAt: 1000 });
    const state = run([{ type: 'request_sent' }, reply]);
    expect(state).toEqual(granted({ kind: 'permanent', grantedAt: t0 + HOUR_MS, expiresAt: null }));
    expect(effectivePermission(state, t0 + 10 * 365 * DAY_MS)).toBe(state);
  });

  it('records a rejection as denied, and a later accept still grants', () => {
    const reject = permissionEventFromReply({ accepted: false, permanent: false, expiresAt: null });
    expect(run([{ type: 'request_sent' }, reject])).toEqual({ status: 'denied', deniedAt: t0 + HOUR_MS });
    expect(run([{ type: 'request_sent' }, reject, { type: 'reply_accepted', permanent: true }])).toMatchObject({
      status: 'granted',
      kind: 'permanent',
    });
  });

  it("takes Meta's automatic reject as the revocation after unanswered calls", () => {
    const revoked = permissionEventFromReply({ accepted: false, permanent: false, expiresAt: null, automatic: true });
    expect(revoked).toEqual({ type: 'revoked_automatically' });
    expect(run([{ type: 'reply_accepted', permanent: false }, revoked])).toEqual({ status: 'revoked', revokedAt: t0 + HOUR_MS, by: 'failed_calls' });
  });

  it('returns to none when a request expires unanswered, and still takes a late reply', () => {
    const expired = run([{ type: 'request_sent' }, { type: 'request_expired' }]);
    expect(expired).toEqual({ status: 'none' });
    expect(applyPermissionEvent(expired, { type: 'reply_accepted', permanent: false }, t0 + DAY_MS)).toMatchObject({ status: 'granted' });
  });

  it('ignores a stale request timer outside pending', () => {
    expect(applyPermissionEvent(granted(), { type: 'request_expired' }, t0 + HOUR_MS)).toEqual(granted());
  });

  it('keeps a working grant when a renewal request is sent, but re-requests after expiry', () => {
    expect(applyPermissionEvent(granted(), { type: 'request_sent' }, t0 + DAY_MS)).toEqual(granted());
    expect(applyPermissionEvent(granted(), { type: 'request_sent' }, t0 + WEEK_MS)).toEqual({
      status: 'pending',
      requestedAt: t0 + WEEK_MS,
      requestExpiresAt: t0 + 2 * WEEK_MS,
    });
  });

  it('revokes after 4 consecutive unanswered or rejected business calls', () => {
    const three = run([call('unanswered'), call('rejected'), call('unanswered')], granted());
    expect(three).toEqual(granted({ consecutiveFailedCalls: 3 }));
    expect(applyPermissionEvent(three, call('rejected'), t0 + 3 * HOUR_MS)).toEqual({
      status: 'revoked',
      revokedAt: t0 + 3 * HOUR_MS,
      by: 'failed_calls',
    });
  });

  it('resets the failure count on a connected call', () => {
    const state = run([call('unanswered'), call('unanswered'), call('unanswered'), call('connected'), call('unanswered')], granted());
    expect(state).toEqual(granted({ consecutiveFailedCalls: 1 }));
  });

  it('honours a custom failure threshold', () => {
    const limits = { ...DEFAULT_PERMISSION_LIMITS, maxConsecutiveFailedCalls: 2 };
    const state = applyPermissionEvent(granted({ consecutiveFailedCalls: 1 }), call('unanswered'), t0, limits);
    expect(state).toMatchObject({ status: 'revoked', by: 'failed_calls' });
  });

  it('ignores call outcomes without a grant, including one that has expired', () => {
    expect(applyPermissionEvent({ status: 'none' }, call('unanswered'), t0)).toEqual({ status: 'none' });
    expect(applyPermissionEvent(granted(), call('unanswered'), t0 + WEEK_MS)).toEqual({ status: 'expired', expiredAt: t0 + WEEK_MS });
  });

  it('records a revocation by the user from any state', () => {
    expect(applyPermissionEvent(granted({ kind: 'permanent', expiresAt: null }), { type: 'revoked_by_user' }, t0)).toEqual({
      status: 'revoked',
      revokedAt: t0,
      by: 'user',
    });
    expect(run([{ type: 'revoked_by_user' }, { type: 'request_sent' }])).toMatchObject({ status: 'pending' });
  });

  it('does not mutate the state it is given', () => {
    const state = Object.freeze(granted());
    expect(() => applyPermissionEvent(state, call('unanswered'), t0)).not.toThrow();
    expect(state).toEqual(granted());
  });
});

describe('effectivePermission', () => {
  it('turns a grant into expired exactly at its expiry', () => {
    expect(effectivePermission(granted(), t0 + WEEK_MS - 1)).toEqual(granted());
    expect(effectivePermission(granted(), t0 + WEEK_MS)).toEqual({ status: 'expired', expiredAt: t0 + WEEK_MS });
    expect(canCall(granted(), t0 + WEEK_MS - 1)).toBe(true);
    expect(canCall(granted(), t0 + WEEK_MS)).toBe(false);
  });

  it('drops a pending request past its TTL', () => {
    const pending: PermissionState = { status: 'pending', requestedAt: t0, requestExpiresAt: t0 + WEEK_MS };
    expect(effectivePermission(pending, t0 + WEEK_MS - 1)).toBe(pending);
    expect(effectivePermission(pending, t0 + WEEK_MS)).toEqual({ status: 'none' });
  });

  it('never lets anything but a grant call', () => {
    for (const state of [{ status: 'none' }, { status: 'denied', deniedAt: t0 }, { status: 'revoked', revokedAt: t0, by: 'user' }] as const) {
      expect(canCall(state, t0)).toBe(false);
    }
  });
});

describe('permissionFromMeta', () => {
  const response = (body: object) => ({ messaging_product: 'whatsapp', ...body }) as CallPermissionsResponse;

  it("maps the spec's granted example with its limits", () => {
    const mapped = permissionFromMeta(
      response({
        permission: { status: 'granted', expiration_time: 1735689600 },
        actions: [
          {
            action_name: 'start_call',
            can_perform_action: true,
            limits: [{ time_period: '24h', current_usage: 5, max_allowed: 100, limit_expiration_time: 1735689600 }],
          },
          { action_name: 'send_call_permission_request', can_perform_action: false, limits: null },
        ],
      }),
    );
    expect(mapped.state).toEqual({ status: 'granted', kind: 'temporary', grantedAt: null, expiresAt: 1735689600000, consecutiveFailedCalls: 0 });
    expect(mapped.startCall).toEqual({
      canPerform: true,
      limits: [{ timePeriod: '24h', periodMs: DAY_MS, maxAllowed: 100, currentUsage: 5, resetsAt: 1735689600000 }],
    });
    expect(mapped.sendPermissionRequest).toEqual({ canPerform: false, limits: [] });
  });

  it('maps the live vocabulary (temporary / permanent / no_permission) with ISO 8601 periods', () => {
    const live = permissionFromMeta(
      response({
        permission: { status: 'temporary', expiration_time: 1745343479 },
        actions: [
          {
            action_name: 'send_call_permission_request',
            can_perform_action: true,
            limits: [
              { time_period: 'PT24H', max_allowed: 1, current_usage: 0 },
              { time_period: 'P7D', max_allowed: 2, current_usage: 1 },
            ],
          },
        ],
      }),
    );
    expect(live.state).toMatchObject({ status: 'granted', kind: 'temporary', expiresAt: 1745343479000 });
    expect(live.sendPermissionRequest?.limits.map((l) => [l.periodMs, l.maxAllowed, l.currentUsage, l.resetsAt])).toEqual([
      [DAY_MS, 1, 0, null],
      [WEEK_MS, 2, 1, null],
    ]);
    expect(live.startCall).toBeNull();
    expect(permissionFromMeta(response({ permission: { status: 'permanent' } })).state).toMatchObject({ kind: 'permanent', expiresAt: null });
    expect(permissionFromMeta(response({ permission: { status: 'no_permission' } })).state).toEqual({ status: 'none' });
  });

  it.each([
    ['pending', { status: 'pending', requestedAt: null, requestExpiresAt: null }],
    ['denied', { status: 'denied', deniedAt: null }],
    ['expired', { status: 'expired', expiredAt: null }],
    ['something_new', { status: 'none' }],
  ])('maps status %s', (status, state) => {
    expect(permissionFromMeta(response({ permission: { status } })).state).toEqual(state);
  });

  it('treats granted without an expiration as permanent', () => {
    expect(permissionFromMeta(response({ permission: { status: 'granted' } })).state).toMatchObject({ kind: 'permanent', expiresAt: null });
  });
});

describe('parseTimePeriod', () => {
  it.each([
    ['PT24H', DAY_MS],
    ['P7D', WEEK_MS],
    ['P1W', WEEK_MS],
    ['P1DT12H', 36 * HOUR_MS],
    ['PT90M', 90 * 60_000],
    ['24h', DAY_MS],
    ['7d', WEEK_MS],
    [' pt24h ', DAY_MS],
  ])('parses %s', (period, ms) => {
    expect(parseTimePeriod(period)).toBe(ms);
  });

  it.each(['P', 'PT', 'P1M', 'P1Y', 'daily', '', '24'])('gives null for %j', (period) => {
    expect(parseTimePeriod(period)).toBeNull();
  });
});
