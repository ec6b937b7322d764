import { DAY_MS } from './durations';
import { findMetaLimit, type MetaActionStatus } from './permission-state';
import { assertRollingWindowLimit, rollingWindowUsage } from './rolling-window';

/** Cap on business-initiated CONNECTED calls per business + customer in a rolling window. */
export interface CallQuotaLimits {
  readonly maxConnectedCalls: number;
  readonly windowMs: number;
}

/**
 * 5 connected calls per rolling 24 h, as in the seed ("the 6th can be made 24 h after the
 * first"). Meta has since raised it (100 in its current guide), so callers should prefer the
 * live figure: see callQuotaLimitsFromMeta.
 */
export const DEFAULT_CALL_LIMITS = {
  maxConnectedCalls: 5,
  windowMs: DAY_MS,
} as const satisfies CallQuotaLimits;

export type CallQuota =
  | { allowed: true; remaining: number; nextAllowedAt: null }
  /** nextAllowedAt null: the cap is 0, so no call will be allowed until it changes. */
  | { allowed: false; remaining: 0; nextAllowedAt: number | null };

/** Whether another business-initiated call may be placed at `now`, given the times earlier calls connected. */
export function callQuota(
  connectedCallTimes: readonly number[],
  now: number,
  cap: number = DEFAULT_CALL_LIMITS.maxConnectedCalls,
  windowMs: number = DEFAULT_CALL_LIMITS.windowMs,
): CallQuota {
  const limit = { max: cap, windowMs };
  assertRollingWindowLimit(limit, 'callQuota');
  const usage = rollingWindowUsage(connectedCallTimes, now, limit);
  return usage.remaining > 0
    ? { allowed: true, remaining: usage.remaining, nextAllowedAt: null }
    : { allowed: false, remaining: 0, nextAllowedAt: usage.nextAllowedAt };
}

/** Our limits with the start_call maximum Meta reports live for the same window taking precedence. */
export function callQuotaLimitsFromMeta(
  startCall: MetaActionStatus | null,
  fallback: CallQuotaLimits = DEFAULT_CALL_LIMITS,
): CallQuotaLimits {
  const max = findMetaLimit(startCall, fallback.windowMs)?.maxAllowed;
  return max !== undefined && Number.isInteger(max) && max >= 0 ? { maxConnectedCalls: max, windowMs: fallback.windowMs } : fallback;
}
