import { DAY_MS, HOUR_MS, MINUTE_MS } from './durations';
import {
  DEFAULT_PERMISSION_REQUEST_LIMITS,
  nextPermissionRequestAllowedAt,
  permissionRequestLimitsFromMeta,
} from './permission-requests';
import type { MetaActionStatus } from './permission-state';

const t0 = Date.UTC(2025, 5, 2, 12, 0, 0);
const sent = (...times: number[]) => times.map((requestedAt) => ({ requestedAt }));

describe('nextPermissionRequestAllowedAt', () => {
  it('allows the first request', () => {
    expect(nextPermissionRequestAllowedAt([], null, t0)).toEqual({ allowed: true });
  });

  it('refuses a 2nd request 23h59m after the 1st until exactly 24 h after it', () => {
    const history = sent(t0);
    expect(nextPermissionRequestAllowedAt(history, null, t0 + 23 * HOUR_MS + 59 * MINUTE_MS)).toEqual({
      allowed: false,
      reason: 'daily_limit',
      nextAllowedAt: t0 + DAY_MS,
    });
    expect(nextPermissionRequestAllowedAt(history, null, t0 + DAY_MS - 1)).toMatchObject({ allowed: false });
    expect(nextPermissionRequestAllowedAt(history, null, t0 + DAY_MS)).toEqual({ allowed: true });
  });

  it('refuses a 3rd request within 7 days until 7 days after the 1st', () => {
    const history = sent(t0, t0 + DAY_MS);
    expect(nextPermissionRequestAllowedAt(history, null, t0 + 3 * DAY_MS)).toEqual({
      allowed: false,
      reason: 'weekly_limit',
      nextAllowedAt: t0 + 7 * DAY_MS,
    });
    expect(nextPermissionRequestAllowedAt(history, null, t0 + 7 * DAY_MS - 1)).toMatchObject({ reason: 'weekly_limit' });
    expect(nextPermissionRequestAllowedAt(history, null, t0 + 7 * DAY_MS)).toEqual({ allowed: true });
  });

  it('names the limit that lifts last when both apply', () => {
    // 2nd request 1 h ago: the daily limit lifts in 23 h, the weekly one only on day 7.
    const history = sent(t0, t0 + 2 * DAY_MS);
    expect(nextPermissionRequestAllowedAt(history, null, t0 + 2 * DAY_MS + HOUR_MS)).toEqual({
      allowed: false,
      reason: 'weekly_limit',
      nextAllowedAt: t0 + 7 * DAY_MS,
    });
  });

  it('is reset by a connected call in between', () => {
    const history = sent(t0, t0 + DAY_MS);
    const connectedAt = t0 + 30 * HOUR_MS;
    expect(nextPermissionRequestAllowedAt(history, connectedAt, t0 + 31 * HOUR_MS)).toEqual({ allowed: true });
  });

  it('counts the requests sent after the connected call', () => {
    const connectedAt = t0 + 30 * HOUR_MS;
    const history = sent(t0, t0 + DAY_MS, t0 + 31 * HOUR_MS);
    expect(nextPermissionRequestAllowedAt(history, connectedAt, t0 + 32 * HOUR_MS)).toEqual({
      allowed: false,
      reason: 'daily_limit',
      nextAllowedAt: t0 + 55 * HOUR_MS,
    });
  });

  it('does not count a request sent at the same instant the call connected', () => {
    expect(nextPermissionRequestAllowedAt(sent(t0), t0, t0 + HOUR_MS)).toEqual({ allowed: true });
  });

  it('does not depend on the order of the history', () => {
    const history = sent(t0 + DAY_MS, t0);
    expect(nextPermissionRequestAllowedAt(history, null, t0 + 3 * DAY_MS)).toMatchObject({ nextAllowedAt: t0 + 7 * DAY_MS });
  });

  it('takes custom limits (e.g. Meta sandbox numbers)', () => {
    const limits = { daily: { max: 25, windowMs: DAY_MS }, weekly: { max: 100, windowMs: 7 * DAY_MS } };
    const history = sent(...Array.from({ length: 24 }, (_, i) => t0 + i * MINUTE_MS));
    expect(nextPermissionRequestAllowedAt(history, null, t0 + HOUR_MS, limits)).toEqual({ allowed: true });
    const full = sent(...Array.from({ length: 25 }, (_, i) => t0 + i * MINUTE_MS));
    expect(nextPermissionRequestAllowedAt(full, null, t0 + HOUR_MS, limits)).toEqual({
      allowed: false,
      reason: 'daily_limit',
      nextAllowedAt: t0 + DAY_MS,
    });
  });

  it('rejects limits that could never be satisfied', () => {
    const limits = { ...DEFAULT_PERMISSION_REQUEST_LIMITS, daily: { max: 0, windowMs: DAY_MS } };
    expect(() => nextPermissionRequestAllowedAt([], null, t0, limits)).toThrow(RangeError);
    const noWindow = { ...DEFAULT_PERMISSION_REQUEST_LIMITS, weekly: { max: 2, windowMs: 0 } };
    expect(() => nextPermissionRequestAllowedAt([], null, t0, noWindow)).toThrow(/weekly.windowMs/);
  });
});

describe('permissionRequestLimitsFromMeta', () => {
  const action = (limits: MetaActionStatus['limits']): MetaActionStatus => ({ canPerform: true, limits });
  const limit = (periodMs: number | null, maxAllowed: number) => ({
    timePeriod: 'x',
    periodMs,
    maxAllowed,
    currentUsage: 0,
    resetsAt: null,
  });

  it('uses the maxima Meta reports for 24 h and 7 days', () => {
    expect(permissionRequestLimitsFromMeta(action([limit(DAY_MS, 2), limit(7 * DAY_MS, 3)]))).toEqual({
      daily: { max: 2, windowMs: DAY_MS },
      weekly: { max: 3, windowMs: 7 * DAY_MS },
    });
  });

  it('falls back to the defaults for missing, unparsed or nonsensical limits', () => {
    expect(permissionRequestLimitsFromMeta(null)).toEqual(DEFAULT_PERMISSION_REQUEST_LIMITS);
    expect(permissionRequestLimitsFromMeta(action([limit(null, 9), limit(DAY_MS, 0)]))).toEqual(DEFAULT_PERMISSION_REQUEST_LIMITS);
  });
});
