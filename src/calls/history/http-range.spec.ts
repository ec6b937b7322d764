import { contentRange, decideRange } from './http-range';

describe('decideRange (RFC 9110 §14)', () => {
  const size = 1000;

  it('serves the whole file without a Range header, with an unknown unit or an invalid set', () => {
    for (const header of [undefined, 'items=0-1', 'bytes=', 'bytes=abc', 'bytes=5-2', 'bytes=-', 'bytes=1-2-3', 'bytes 0-1']) {
      expect(decideRange(header, size)).toEqual({ kind: 'full' });
    }
  });

  it('answers one closed, open or suffix range with exact bounds, clamped to the file', () => {
    expect(decideRange('bytes=0-99', size)).toEqual({ kind: 'partial', start: 0, end: 99 });
    expect(decideRange('bytes=500-', size)).toEqual({ kind: 'partial', start: 500, end: 999 });
    expect(decideRange('bytes=-100', size)).toEqual({ kind: 'partial', start: 900, end: 999 });
    expect(decideRange('bytes=-5000', size)).toEqual({ kind: 'partial', start: 0, end: 999 });
    expect(decideRange('bytes=990-5000', size)).toEqual({ kind: 'partial', start: 990, end: 999 });
    expect(decideRange('Bytes = 7-7', size)).toEqual({ kind: 'partial', start: 7, end: 7 });
  });

  it('is unsatisfiable when no range overlaps the file', () => {
    expect(decideRange('bytes=1000-', size)).toEqual({ kind: 'unsatisfiable' });
    expect(decideRange('bytes=1000-1001', size)).toEqual({ kind: 'unsatisfiable' });
    expect(decideRange('bytes=-0', size)).toEqual({ kind: 'unsatisfiable' });
    expect(decideRange('bytes=0-0', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(decideRange('bytes=2000-3000, 4000-', size)).toEqual({ kind: 'unsatisfiable' });
  });

  it('answers several ranges with the whole file', () => {
    expect(decideRange('bytes=0-1, 5-6', size)).toEqual({ kind: 'full' });
    expect(decideRange('bytes=0-1, 5000-6000', size)).toEqual({ kind: 'full' });
  });

  it('writes Content-Range for 206 and 416', () => {
    expect(contentRange({ kind: 'partial', start: 0, end: 99 }, size)).toBe('bytes 0-99/1000');
    expect(contentRange({ kind: 'unsatisfiable' }, size)).toBe('bytes */1000');
    expect(contentRange({ kind: 'full' }, size)).toBeUndefined();
  });
});
