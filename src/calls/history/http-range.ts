/**
 * HTTP Range requests (RFC 9110 §14) for one representation of `size` bytes: a single byte range,
 * an open one (`bytes=500-`) or a suffix (`bytes=-500`). A header that is not a valid bytes range
 * set is ignored (§14.2: the whole file, 200); several ranges are answered with the whole file
 * too, which §14.2 allows, rather than a multipart body no audio player needs.
 */
export type RangeDecision =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

const RANGE_SPEC = /^(\d*)-(\d*)$/;

export function decideRange(header: string | undefined, size: number): RangeDecision {
  if (header === undefined) return { kind: 'full' };
  const eq = header.indexOf('=');
  if (eq < 0 || header.slice(0, eq).trim().toLowerCase() !== 'bytes') return { kind: 'full' };
  const specs = header
    .slice(eq + 1)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (specs.length === 0) return { kind: 'full' };
  const ranges: Array<{ start: number; end: number } | null> = [];
  for (const spec of specs) {
    const m = RANGE_SPEC.exec(spec);
    if (!m || (m[1] === '' && m[2] === '')) return { kind: 'full' };
    if (m[1] === '') {
      // suffix: the last n bytes; n = 0 selects nothing
      const n = Number(m[2]);
      ranges.push(n > 0 && size > 0 ? { start: Math.max(0, size - n), end: size - 1 } : null);
      continue;
    }
    const first = Number(m[1]);
    const last = m[2] === '' ? Infinity : Number(m[2]);
    if (last < first) return { kind: 'full' }; // an invalid range-spec makes the whole set invalid
    ranges.push(first < size ? { start: first, end: Math.min(last, size - 1) } : null);
  }
  const satisfiable = ranges.filter((r): r is { start: number; end: number } => r !== null);
  if (satisfiable.length === 0) return { kind: 'unsatisfiable' };
  if (ranges.length > 1) return { kind: 'full' };
  return { kind: 'partial', ...satisfiable[0] };
}

/** `Content-Range` of a 206 (`bytes 0-99/1000`) or a 416 (`bytes *\/1000`). */
export function contentRange(decision: RangeDecision, size: number): string | undefined {
  if (decision.kind === 'partial') return `bytes ${decision.start}-${decision.end}/${size}`;
  if (decision.kind === 'unsatisfiable') return `bytes */${size}`;
  return undefined;
}
