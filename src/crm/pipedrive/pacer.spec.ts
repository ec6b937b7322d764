import { PipedrivePacer } from './pacer';

const headers = (h: Record<string, string>) => new Headers(h);

describe('PipedrivePacer', () => {
  it('lets a burst through at once, then paces at 90 % of the documented limit', () => {
    const pacer = new PipedrivePacer(() => 0);
    // 20 per 2 s, paced at 18: a burst of 18, then one every 2000 / 18 ms.
    const waits = Array.from({ length: 20 }, () => pacer.reserve('general', 60_000));
    expect(waits.slice(0, 18)).toEqual(Array(18).fill({ waitMs: 0 }));
    expect(waits[18]).toEqual({ waitMs: Math.round(2000 / 18) });
    expect(waits[19]).toEqual({ waitMs: Math.round((2 * 2000) / 18) });
  });

  it('keeps searches in their own, smaller bucket', () => {
    const pacer = new PipedrivePacer(() => 0);
    for (let i = 0; i < 9; i++) expect(pacer.reserve('search', 60_000)).toEqual({ waitMs: 0 });
    expect(pacer.reserve('search', 60_000)).toEqual({ waitMs: Math.round(2000 / 9) });
    expect(pacer.reserve('general', 60_000)).toEqual({ waitMs: 0 });
    expect(PipedrivePacer.bucketOf('/api/v2/persons/search')).toBe('search');
    expect(PipedrivePacer.bucketOf('/api/v2/persons')).toBe('general');
  });

  it("learns the plan's limit from x-ratelimit-limit", () => {
    const pacer = new PipedrivePacer(() => 0);
    pacer.observe('general', 200, headers({ 'x-ratelimit-limit': '80' }), null);
    const waits = Array.from({ length: 73 }, () => pacer.reserve('general', 60_000));
    expect(waits.filter((w) => 'waitMs' in w && w.waitMs === 0)).toHaveLength(72);
  });

  it('closes the bucket for the wait a 429 asks, and refuses a turn further than the caller waits', () => {
    let now = 1000;
    const pacer = new PipedrivePacer(() => now);
    pacer.observe('general', 429, headers({ 'retry-after': '10' }), 10_000);
    expect(pacer.reserve('general', 2000)).toEqual({ laterMs: 10_000 });
    expect(pacer.reserve('general', 60_000)).toEqual({ waitMs: 10_000 });
    now = 11_000;
    expect(pacer.reserve('general', 0)).toEqual({ waitMs: 0 });
  });
});
