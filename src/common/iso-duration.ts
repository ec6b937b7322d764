/**
 * ISO 8601 durations as the API takes them (`PT15M`, `P1D`, `P1DT12H`). Days are 24 h: the
 * schedules they express are "a day later", not calendar arithmetic. Years and months are
 * refused: their length depends on the date.
 */
const ISO_DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** Milliseconds of an ISO 8601 duration, or undefined when it is not one. */
export function isoDurationMs(value: unknown): number | undefined {
  if (typeof value !== 'string' || value === 'P' || value.endsWith('T')) return undefined;
  const m = ISO_DURATION.exec(value);
  if (!m) return undefined;
  const [, w, d, h, min, s] = m.map((part) => (part === undefined ? 0 : Number(part)));
  return Math.round(((((w * 7 + d) * 24 + h) * 60 + min) * 60 + s) * 1000);
}
