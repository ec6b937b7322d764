import { DAY_MS, WEEK_MS } from './durations';
import { findMetaLimit, type MetaActionStatus } from './permission-state';
import { assertRollingWindowLimit, rollingWindowUsage, type RollingWindowLimit } from './rolling-window';

/** Meta's limits on call-permission REQUESTS per business + WhatsApp user pair. */
export interface PermissionRequestLimits {
  readonly daily: RollingWindowLimit;
  readonly weekly: RollingWindowLimit;
}

/**
 * 1 request per rolling 24 h and 2 per rolling 7 days (Meta, "Obtain user call permissions";
 * product brief §1.3). Free-form and template requests count together.
 */
export const DEFAULT_PERMISSION_REQUEST_LIMITS = {
  daily: { max: 1, windowMs: DAY_MS },
  weekly: { max: 2, windowMs: WEEK_MS },
} as const satisfies PermissionRequestLimits;

export interface PermissionRequestRecord {
  /** When the request message was sent (epoch ms). */
  requestedAt: number;
}

export type PermissionRequestDecision =
  | { allowed: true }
  | { allowed: false; reason: 'daily_limit' | 'weekly_limit'; nextAllowedAt: number };

/**
 * Whether a new call-permission request may be sent now. Any connected call between the
 * business and the user (business- or user-initiated) resets both counters, so only requests
 * sent after the last connected call count.
 */
export function nextPermissionRequestAllowedAt(
  history: readonly PermissionRequestRecord[],
  lastConnectedCallAt: number | null,
  now: number,
  limits: PermissionRequestLimits = DEFAULT_PERMISSION_REQUEST_LIMITS,
): PermissionRequestDecision {
  // A zero limit would mean "never", which has no nextAllowedAt to report.
  assertRollingWindowLimit(limits.daily, 'daily', 1);
  assertRollingWindowLimit(limits.weekly, 'weekly', 1);
  const counted = history
    .map((r) => r.requestedAt)
    .filter((t) => lastConnectedCallAt === null || t > lastConnectedCallAt);
  const daily = rollingWindowUsage(counted, now, limits.daily);
  const weekly = rollingWindowUsage(counted, now, limits.weekly);
  if (daily.remaining > 0 && weekly.remaining > 0) return { allowed: true };
  const dailyAt = daily.nextAllowedAt ?? now;
  const weeklyAt = weekly.nextAllowedAt ?? now;
  // Both windows must have room, so the later of the two is the real answer; on a tie the
  // weekly limit is named because it is the one the agent cannot work around by waiting a day.
  return weeklyAt >= dailyAt
    ? { allowed: false, reason: 'weekly_limit', nextAllowedAt: weeklyAt }
    : { allowed: false, reason: 'daily_limit', nextAllowedAt: dailyAt };
}

/**
 * Our limits with the maxima Meta reports live for send_call_permission_request (its "PT24H"
 * and "P7D" limits) taking precedence, so a change on Meta's side needs no redeploy.
 */
export function permissionRequestLimitsFromMeta(
  action: MetaActionStatus | null,
  fallback: PermissionRequestLimits = DEFAULT_PERMISSION_REQUEST_LIMITS,
): PermissionRequestLimits {
  const live = (limit: RollingWindowLimit): RollingWindowLimit => {
    const max = findMetaLimit(action, limit.windowMs)?.maxAllowed;
    return max !== undefined && Number.isInteger(max) && max >= 1 ? { max, windowMs: limit.windowMs } : limit;
  };
  return { daily: live(fallback.daily), weekly: live(fallback.weekly) };
}
