import type { CallingHours, CallingSettings } from '../../whatsapp/types';
import { DAY_MS, MINUTE_MS } from './durations';
import { instantsForWall, isValidTimeZone, offsetChangeAround, wallClockAt } from './zoned-time';

/** Meta's limits on `calling.call_hours` (POST /{phone-number-id}/settings). */
export const CALL_HOURS_LIMITS = {
  maxRangesPerDay: 2,
  maxHolidays: 20,
} as const;

export interface BusinessHoursOptions {
  /** How far ahead nextOpenAt is searched before giving up (null). */
  readonly searchHorizonDays: number;
}

/** A year: enough even when 20 holidays fall on the only open weekday of 20 successive weeks. */
export const DEFAULT_BUSINESS_HOURS_OPTIONS = { searchHorizonDays: 366 } as const satisfies BusinessHoursOptions;

export type Availability =
  | { open: true }
  | { open: false; reason: 'calling_disabled' | 'outside_hours' | 'holiday'; nextOpenAt: number | null };

type WeeklyRange = NonNullable<CallingHours['weekly_operating_hours']>[number];
export type DayOfWeek = WeeklyRange['day_of_week'];

/** Indexed like Date#getUTCDay. */
const DAYS_OF_WEEK: readonly DayOfWeek[] = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'];
const HHMM = /^([01]\d|2[0-3])([0-5]\d)$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MINUTES_PER_DAY = DAY_MS / MINUTE_MS;

/** [from, to) in minutes of the local day. */
type Span = readonly [number, number];

interface Schedule {
  timeZone: string;
  weekly: Map<DayOfWeek, Span[]>;
  holidays: Map<string, Span[]>;
}

export class InvalidCallSettingsError extends Error {
  constructor(readonly errors: string[]) {
    super(`invalid call settings: ${errors.join('; ')}`);
    this.name = 'InvalidCallSettingsError';
  }
}

const isEnabled = (status: string | undefined): boolean => status?.toLowerCase() === 'enabled';

/**
 * Whether a customer calling at `now` reaches the business, in the time zone of the number's
 * call hours. Throws InvalidCallSettingsError on settings validateCallSettings rejects: they
 * must be validated when saved, and guessing hours here would silently mislead customers.
 */
export function isOpenAt(
  settings: CallingSettings,
  now: number,
  options: BusinessHoursOptions = DEFAULT_BUSINESS_HOURS_OPTIONS,
): Availability {
  if (!isEnabled(settings.status)) return { open: false, reason: 'calling_disabled', nextOpenAt: null };
  const hours = settings.call_hours;
  if (!hours || !isEnabled(hours.status)) return { open: true };
  const errors = validateCallSettings(settings);
  if (errors.length > 0) throw new InvalidCallSettingsError(errors);
  const schedule = compile(hours);
  const wall = wallClockAt(schedule.timeZone, now);
  const dayStart = wall - mod(wall, DAY_MS);
  const minute = Math.floor((wall - dayStart) / MINUTE_MS);
  if (openSpans(schedule, dayStart).some((s) => covers(s, minute))) return { open: true };
  const onHoliday = (schedule.holidays.get(isoDate(dayStart)) ?? []).some((s) => covers(s, minute));
  return {
    open: false,
    reason: onHoliday ? 'holiday' : 'outside_hours',
    nextOpenAt: nextOpening(schedule, dayStart, now, options.searchHorizonDays),
  };
}

/**
 * The first instant after `now` at which the business is open. Candidates are the instants the
 * local clock reads an opening time, plus offset changes (a DST jump can land inside open hours);
 * each is checked, and the next local day is looked at too because a change at midnight can
 * make its instants precede the end of the current one.
 */
function nextOpening(schedule: Schedule, todayStart: number, now: number, horizonDays: number): number | null {
  let best: number | null = null;
  let lastDay = horizonDays;
  for (let i = 0; i <= lastDay; i++) {
    const dayStart = todayStart + i * DAY_MS;
    const spans = openSpans(schedule, dayStart);
    if (spans.length === 0) continue;
    const candidates = spans.flatMap(([from]) => instantsForWall(schedule.timeZone, dayStart, dayStart + from * MINUTE_MS));
    const change = offsetChangeAround(schedule.timeZone, dayStart);
    if (change !== null) candidates.push(change);
    for (const t of candidates) {
      if (t > now && (best === null || t < best) && isOpenInstant(schedule, t)) best = t;
    }
    if (best !== null) lastDay = Math.min(lastDay, i + 1);
  }
  return best;
}

function isOpenInstant(schedule: Schedule, instant: number): boolean {
  const wall = wallClockAt(schedule.timeZone, instant);
  const dayStart = wall - mod(wall, DAY_MS);
  return openSpans(schedule, dayStart).some((s) => covers(s, Math.floor((wall - dayStart) / MINUTE_MS)));
}

/** The day's weekly ranges minus its holiday closures, ascending. */
function openSpans(schedule: Schedule, dayStart: number): Span[] {
  const weekly = schedule.weekly.get(DAYS_OF_WEEK[new Date(dayStart).getUTCDay()]) ?? [];
  const closures = schedule.holidays.get(isoDate(dayStart)) ?? [];
  let open: Span[] = weekly;
  for (const [closeFrom, closeTo] of closures) {
    open = open.flatMap(([from, to]): Span[] => {
      if (closeTo <= from || closeFrom >= to) return [[from, to]];
      const pieces: Span[] = [];
      if (from < closeFrom) pieces.push([from, closeFrom]);
      if (closeTo < to) pieces.push([closeTo, to]);
      return pieces;
    });
  }
  return [...open].sort((a, b) => a[0] - b[0]);
}

function compile(hours: CallingHours): Schedule {
  const weekly = new Map<DayOfWeek, Span[]>();
  for (const r of hours.weekly_operating_hours ?? []) {
    weekly.set(r.day_of_week, [...(weekly.get(r.day_of_week) ?? []), [startMinute(r.open_time), endMinute(r.close_time)]]);
  }
  const holidays = new Map<string, Span[]>();
  for (const h of hours.holiday_schedule ?? []) {
    holidays.set(h.date, [...(holidays.get(h.date) ?? []), [startMinute(h.start_time), endMinute(h.end_time)]]);
  }
  return { timeZone: hours.timezone_id as string, weekly, holidays };
}

const covers = ([from, to]: Span, minute: number): boolean => from <= minute && minute < to;
const mod = (a: number, b: number): number => ((a % b) + b) % b;
const isoDate = (dayStart: number): string => new Date(dayStart).toISOString().slice(0, 10);
const startMinute = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(2));
/** HHMM cannot say 24:00, so a range ending at 2359 is taken to run to the end of the day. */
const endMinute = (hhmm: string): number => (hhmm === '2359' ? MINUTES_PER_DAY : startMinute(hhmm));

/**
 * Errors in call settings, each naming the offending field, before they are saved or pushed to
 * Meta: valid status values, an IANA time zone, HHMM times, at most 2 non-overlapping ranges per
 * day each opening before it closes, at most 20 holidays on real dates.
 */
export function validateCallSettings(input: CallingSettings): string[] {
  const errors: string[] = [];
  const statuses = ['enabled', 'disabled'];
  if (typeof input.status !== 'string' || !statuses.includes(input.status.toLowerCase())) {
    errors.push(`status: must be ENABLED or DISABLED, got ${JSON.stringify(input.status)}`);
  }
  const hours = input.call_hours;
  if (hours === undefined) return errors;
  if (typeof hours.status !== 'string' || !statuses.includes(hours.status.toLowerCase())) {
    errors.push(`call_hours.status: must be ENABLED or DISABLED, got ${JSON.stringify(hours.status)}`);
  }
  const required = isEnabled(hours.status);
  if (hours.timezone_id === undefined) {
    if (required) errors.push('call_hours.timezone_id: required when call_hours.status is ENABLED');
  } else if (typeof hours.timezone_id !== 'string' || !isValidTimeZone(hours.timezone_id)) {
    errors.push(`call_hours.timezone_id: not an IANA time zone: ${JSON.stringify(hours.timezone_id)}`);
  }
  errors.push(...validateWeekly(hours.weekly_operating_hours, required));
  errors.push(...validateHolidays(hours.holiday_schedule));
  return errors;
}

function validateWeekly(ranges: CallingHours['weekly_operating_hours'], required: boolean): string[] {
  const field = 'call_hours.weekly_operating_hours';
  if (ranges === undefined) return required ? [`${field}: required when call_hours.status is ENABLED`] : [];
  if (!Array.isArray(ranges)) return [`${field}: must be an array`];
  if (required && ranges.length === 0) return [`${field}: at least one range is required when call_hours.status is ENABLED`];
  const errors: string[] = [];
  const byDay = new Map<DayOfWeek, { index: number; span: Span | null }[]>();
  ranges.forEach((r, index) => {
    const at = `${field}[${index}]`;
    if (!DAYS_OF_WEEK.includes(r.day_of_week)) {
      errors.push(`${at}.day_of_week: must be one of MONDAY..SUNDAY, got ${JSON.stringify(r.day_of_week)}`);
    }
    const span = validateSpan(at, r.open_time, r.close_time, 'open_time', 'close_time', errors);
    const sameDay = byDay.get(r.day_of_week) ?? [];
    if (sameDay.length === CALL_HOURS_LIMITS.maxRangesPerDay) {
      errors.push(`${at}: ${r.day_of_week} has more than ${CALL_HOURS_LIMITS.maxRangesPerDay} ranges`);
    }
    for (const other of sameDay) {
      if (span && other.span && span[0] < other.span[1] && other.span[0] < span[1]) {
        errors.push(`${at}: ${r.day_of_week} ${r.open_time}-${r.close_time} overlaps ${field}[${other.index}]`);
      }
    }
    byDay.set(r.day_of_week, [...sameDay, { index, span }]);
  });
  return errors;
}

function validateHolidays(holidays: CallingHours['holiday_schedule']): string[] {
  const field = 'call_hours.holiday_schedule';
  if (holidays === undefined) return [];
  if (!Array.isArray(holidays)) return [`${field}: must be an array`];
  const errors: string[] = [];
  if (holidays.length > CALL_HOURS_LIMITS.maxHolidays) {
    errors.push(`${field}: at most ${CALL_HOURS_LIMITS.maxHolidays} holidays, got ${holidays.length}`);
  }
  holidays.forEach((h, index) => {
    const at = `${field}[${index}]`;
    if (!isCalendarDate(h.date)) errors.push(`${at}.date: must be a real date YYYY-MM-DD, got ${JSON.stringify(h.date)}`);
    validateSpan(at, h.start_time, h.end_time, 'start_time', 'end_time', errors);
  });
  return errors;
}

/** Pushes errors for malformed or inverted times; returns the span when both times parse. */
function validateSpan(at: string, from: unknown, to: unknown, fromName: string, toName: string, errors: string[]): Span | null {
  const badFrom = !(typeof from === 'string' && HHMM.test(from));
  const badTo = !(typeof to === 'string' && HHMM.test(to));
  if (badFrom) errors.push(`${at}.${fromName}: must be HHMM (0000-2359), got ${JSON.stringify(from)}`);
  if (badTo) errors.push(`${at}.${toName}: must be HHMM (0000-2359), got ${JSON.stringify(to)}`);
  if (badFrom || badTo) return null;
  const span: Span = [startMinute(from as string), endMinute(to as string)];
  if (span[0] >= span[1]) {
    errors.push(`${at}.${toName}: must be after ${fromName} (${String(from)}), got ${String(to)}`);
    return null;
  }
  return span;
}

function isCalendarDate(value: unknown): boolean {
  const m = typeof value === 'string' ? DATE.exec(value) : null;
  if (!m) return false;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return date.toISOString().slice(0, 10) === value;
}
