import { TtlCache } from './ttl-cache';

describe('TtlCache', () => {
  it('remembers an answer (a miss too) for its TTL, then asks again', async () => {
    let now = 0;
    let loads = 0;
    const cache = new TtlCache<string, string | undefined>(5_000, 10, () => now);
    const load = async () => (loads++, undefined);
    expect(await cache.get('token', load)).toBeUndefined();
    now = 4_999;
    await cache.get('token', load);
    expect(loads).toBe(1);
    now = 5_000;
    await cache.get('token', load);
    expect(loads).toBe(2);
  });

  it('holds at most maxEntries, dropping the oldest; a TTL of 0 remembers nothing', async () => {
    const cache = new TtlCache<number, number>(60_000, 3);
    for (const k of [1, 2, 3, 4]) await cache.get(k, async () => k);
    expect(cache.size).toBe(3);
    let loaded = false;
    await cache.get(1, async () => ((loaded = true), 1));
    expect(loaded).toBe(true);

    const none = new TtlCache<string, number>(0);
    await none.get('a', async () => 1);
    expect(none.size).toBe(0);
  });
});
