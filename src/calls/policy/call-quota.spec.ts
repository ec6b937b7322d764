import { callQuota, callQuotaLimitsFromMeta, DEFAULT_CALL_LIMITS } from './call-quota';
import { DAY_MS, HOUR_MS, MINUTE_MS } from './durations';
import type { MetaActionStatus } from './permission-state';

const t0 = Date.UTC(2025, 5, 2, 9, 0, 0);
const fiveCalls = [0, 1, 2, 3, 4].map((i) => t0 + i * HOUR_MS);

describe('callQuota', () => {
  it('defaults to 5 connected calls per rolling 24 h', () => {
    expect(DEFAULT_CALL_LIMITS).toEqual({ maxConnectedCalls: 5, windowMs: DAY_MS });
    expect(callQuota([], t0)).toEqual({ allowed: true, remaining: 5, nextAllowedAt: null });
  });

  it('counts down the remaining calls', () => {
    expect(callQuota(fiveCalls.slice(0, 3), t0 + 3 * HOUR_MS)).toEqual({ allowed: true, remaining: 2, nextAllowedAt: null });
  });

  it('allows the 6th call exactly 24 h after the 1st, not a millisecond before', () => {
    expect(callQuota(fiveCalls, t0 + 4 * HOUR_MS + MINUTE_MS)).toEqual({ allowed: false, remaining: 0, nextAllowedAt: t0 + DAY_MS });
    expect(callQuota(fiveCalls, t0 + DAY_MS - 1)).toEqual({ allowed: false, remaining: 0, nextAllowedAt: t0 + DAY_MS });
    expect(callQuota(fiveCalls, t0 + DAY_MS)).toEqual({ allowed: true, remaining: 1, nextAllowedAt: null });
  });

  it('after the 6th call, the 7th waits for the 2nd to leave the window', () => {
    const six = [...fiveCalls, t0 + DAY_MS];
    expect(callQuota(six, t0 + DAY_MS + MINUTE_MS)).toMatchObject({ allowed: false, nextAllowedAt: t0 + HOUR_MS + DAY_MS });
  });

  it('does not depend on the order of the times', () => {
    expect(callQuota([...fiveCalls].reverse(), t0 + 5 * HOUR_MS)).toMatchObject({ nextAllowedAt: t0 + DAY_MS });
  });

  it('waits for enough calls to leave when the cap was lowered below the usage', () => {
    const seven = [0, 1, 2, 3, 4, 5, 6].map((i) => t0 + i * HOUR_MS);
    expect(callQuota(seven, t0 + 7 * HOUR_MS, 5)).toEqual({ allowed: false, remaining: 0, nextAllowedAt: t0 + 2 * HOUR_MS + DAY_MS });
  });

  it('honours a raised cap and a custom window', () => {
    expect(callQuota(fiveCalls, t0 + 5 * HOUR_MS, 100)).toEqual({ allowed: true, remaining: 95, nextAllowedAt: null });
    expect(callQuota(fiveCalls, t0 + 5 * HOUR_MS, 5, 2 * HOUR_MS)).toEqual({ allowed: true, remaining: 4, nextAllowedAt: null });
  });

  it('never allows a call with a cap of 0', () => {
    expect(callQuota([], t0, 0)).toEqual({ allowed: false, remaining: 0, nextAllowedAt: null });
  });

  it('rejects a negative or fractional cap and an empty window', () => {
    expect(() => callQuota([], t0, -1)).toThrow(RangeError);
    expect(() => callQuota([], t0, 1.5)).toThrow(RangeError);
    expect(() => callQuota([], t0, 5, 0)).toThrow(RangeError);
  });
});

describe('callQuotaLimitsFromMeta', () => {
  const startCall = (periodMs: number | null, maxAllowed: number): MetaActionStatus => ({
    canPerform: true,
    limits: [{ timePeriod: 'PT24H', periodMs, maxAllowed, currentUsage: 0, resetsAt: null }],
  });

  it("takes Meta's live 24 h maximum", () => {
    expect(callQuotaLimitsFromMeta(startCall(DAY_MS, 100))).toEqual({ maxConnectedCalls: 100, windowMs: DAY_MS });
    expect(callQuotaLimitsFromMeta(startCall(DAY_MS, 3))).toEqual({ maxConnectedCalls: 3, windowMs: DAY_MS });
  });

  it('keeps the fallback without a matching limit', () => {
    expect(callQuotaLimitsFromMeta(null)).toBe(DEFAULT_CALL_LIMITS);
    expect(callQuotaLimitsFromMeta(startCall(7 * DAY_MS, 100))).toBe(DEFAULT_CALL_LIMITS);
    expect(callQuotaLimitsFromMeta(startCall(null, 100))).toBe(DEFAULT_CALL_LIMITS);
  });
});
