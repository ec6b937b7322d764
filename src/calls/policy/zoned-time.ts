import { DAY_MS, HOUR_MS, SECOND_MS } from './durations';

/**
 * Time-zone arithmetic on Intl alone (workflow-safe: no Node built-ins, no clock). A "wall"
 * time is a zone's local clock reading encoded as if it were UTC epoch ms, so that calendar
 * arithmetic on it is plain UTC arithmetic.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's clock reading at `instant`, as wall ms. */
export function wallClockAt(timeZone: string, instant: number): number {
  const values: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(instant))) values[part.type] = Number(part.value);
  const wholeSeconds = Date.UTC(values.year, values.month - 1, values.day, values.hour, values.minute, values.second);
  return wholeSeconds + (((instant % SECOND_MS) + SECOND_MS) % SECOND_MS);
}

function offsetAt(timeZone: string, instant: number): number {
  return wallClockAt(timeZone, instant) - instant;
}

/** Instants bracketing the local day that starts at `dayStartWall`, whatever the zone's offset (−12 h…+14 h). */
function dayProbes(dayStartWall: number): [number, number] {
  return [dayStartWall - 14 * HOUR_MS, dayStartWall + DAY_MS + 14 * HOUR_MS];
}

/**
 * Instants at which the local day starting at `dayStartWall` reads `wall`: none in a DST gap,
 * two in a DST overlap, one otherwise. Ascending.
 */
export function instantsForWall(timeZone: string, dayStartWall: number, wall: number): number[] {
  const [before, after] = dayProbes(dayStartWall);
  const candidates = [...new Set([wall - offsetAt(timeZone, before), wall - offsetAt(timeZone, after)])];
  return candidates.filter((t) => wallClockAt(timeZone, t) === wall).sort((a, b) => a - b);
}

/**
 * The instant the zone's offset changes around the local day starting at `dayStartWall`, or
 * null. Assumes at most one change in ~2.5 days, which holds for every IANA zone.
 */
export function offsetChangeAround(timeZone: string, dayStartWall: number): number | null {
  let [lo, hi] = dayProbes(dayStartWall);
  const offsetBefore = offsetAt(timeZone, lo);
  if (offsetAt(timeZone, hi) === offsetBefore) return null;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetAt(timeZone, mid) === offsetBefore) lo = mid;
    else hi = mid;
  }
  return hi;
}
