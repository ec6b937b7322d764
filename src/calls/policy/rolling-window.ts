/** How many events a rolling window allows and how long the window is. */
export interface RollingWindowLimit {
  readonly max: number;
  readonly windowMs: number;
}

export interface RollingWindowUsage {
  /** Events counted in the window ending at `now` (an event leaves it exactly windowMs after it happened). */
  used: number;
  remaining: number;
  /** When the next event fits again; null when one fits now, or never will (max 0). */
  nextAllowedAt: number | null;
}

export function assertRollingWindowLimit(limit: RollingWindowLimit, name: string, minMax = 0): void {
  if (!Number.isInteger(limit.max) || limit.max < minMax) {
    throw new RangeError(`${name}.max must be an integer >= ${minMax}, got ${limit.max}`);
  }
  if (!Number.isFinite(limit.windowMs) || limit.windowMs <= 0) {
    throw new RangeError(`${name}.windowMs must be > 0, got ${limit.windowMs}`);
  }
}

/**
 * Usage of a rolling window. Events after `now` (clock skew between hosts) are counted: they
 * did happen, and ignoring them would let a caller exceed Meta's limit.
 */
export function rollingWindowUsage(eventTimes: readonly number[], now: number, limit: RollingWindowLimit): RollingWindowUsage {
  const inWindow = eventTimes.filter((t) => t > now - limit.windowMs).sort((a, b) => a - b);
  const used = inWindow.length;
  if (used < limit.max) return { used, remaining: limit.max - used, nextAllowedAt: null };
  if (limit.max === 0) return { used, remaining: 0, nextAllowedAt: null };
  // One slot frees up when all but max-1 of the counted events have left the window.
  return { used, remaining: 0, nextAllowedAt: inWindow[used - limit.max] + limit.windowMs };
}
