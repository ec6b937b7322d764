import { DAY_MS, MINUTE_MS } from '../../calls/policy/durations';
import { instantsForWall, isValidTimeZone, offsetChangeAround, wallClockAt } from '../../calls/policy/zoned-time';

/**
 * Where a contact's day and night are: their own time zone, else the one of their Brazilian area
 * code (DDD), else the configured default. Brazil has had no daylight saving since 2019; every
 * zone's day boundaries are still computed with its real offsets (the default may observe DST).
 */

/** Brazilian area codes (DDD) outside America/Sao_Paulo's time, by IANA zone. */
const DDD_ZONES: Record<string, number[]> = {
  'America/Rio_Branco': [68], // Acre, UTC−5
  'America/Manaus': [92, 97], // Amazonas, UTC−4
  'America/Porto_Velho': [69], // Rondônia
  'America/Boa_Vista': [95], // Roraima
  'America/Cuiaba': [65, 66], // Mato Grosso
  'America/Campo_Grande': [67], // Mato Grosso do Sul
  'America/Belem': [91, 94, 96], // Pará, Amapá (UTC−3, no DST since 1988)
  'America/Santarem': [93],
  'America/Araguaina': [63], // Tocantins
  'America/Fortaleza': [85, 88, 86, 89, 84, 83, 98, 99], // CE, PI, RN, PB, MA
  'America/Recife': [81, 87],
  'America/Maceio': [82, 79], // Alagoas, Sergipe
  'America/Bahia': [71, 73, 74, 75, 77],
};
const ZONE_OF_DDD = new Map<number, string>(Object.entries(DDD_ZONES).flatMap(([zone, ddds]) => ddds.map((d) => [d, zone] as const)));

/** The zone of a Brazilian phone (+55 DDD …) by its area code; other countries: null. */
export function zoneOfPhone(phone: string | null | undefined): string | null {
  const digits = (phone ?? '').replace(/\D/g, '');
  // 55 + two-digit DDD + 8 (landline) or 9 (mobile) digits.
  if (!digits.startsWith('55') || (digits.length !== 12 && digits.length !== 13)) return null;
  const ddd = Number(digits.slice(2, 4));
  if (ddd < 11) return null;
  return ZONE_OF_DDD.get(ddd) ?? 'America/Sao_Paulo';
}

export function contactTimeZone(contact: { timeZone: string | null; phone: string | null }, fallback: string): string {
  if (contact.timeZone && isValidTimeZone(contact.timeZone)) return contact.timeZone;
  return zoneOfPhone(contact.phone) ?? fallback;
}

/** The instant the zone's clock reads `wall` on the local day starting at `dayStartWall` (a DST gap: when the clock jumps). */
function instantOf(zone: string, dayStartWall: number, wall: number): number {
  const found = instantsForWall(zone, dayStartWall, wall)[0];
  if (found !== undefined) return found;
  return offsetChangeAround(zone, dayStartWall) ?? wall - (wallClockAt(zone, wall) - wall);
}

function dayStartWallAt(zone: string, instant: number): number {
  const wall = wallClockAt(zone, instant);
  return wall - (((wall % DAY_MS) + DAY_MS) % DAY_MS);
}

/** [start, end) of the zone's calendar day containing `instant`. */
export function dayBounds(zone: string, instant: number): { start: number; end: number } {
  const day = dayStartWallAt(zone, instant);
  return { start: instantOf(zone, day, day), end: instantOf(zone, day + DAY_MS, day + DAY_MS) };
}

/** "21:00" → minutes after midnight; null when not HH:MM. */
export function minutesOf(hhmm: string): number | null {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/**
 * When quiet hours [start, end) in the zone end, if `instant` falls in them; else null. A window
 * whose start is after its end spans midnight (21:00–08:00); start = end means no quiet hours.
 */
export function quietHoursEnd(zone: string, instant: number, start: string, end: string): number | null {
  const s = minutesOf(start);
  const e = minutesOf(end);
  if (s === null || e === null || s === e) return null;
  const day = dayStartWallAt(zone, instant);
  const now = Math.floor((wallClockAt(zone, instant) - day) / MINUTE_MS);
  const inQuiet = s < e ? now >= s && now < e : now >= s || now < e;
  if (!inQuiet) return null;
  // Past midnight the window ends today; before midnight (or a same-day window) — today too, unless it spans midnight.
  const endDay = s > e && now >= s ? day + DAY_MS : day;
  return instantOf(zone, endDay, endDay + e * MINUTE_MS);
}
