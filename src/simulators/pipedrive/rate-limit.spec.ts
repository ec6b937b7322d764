import { TokenBuckets } from './rate-limit';

/** The simulator's burst limit on a clock the test moves. */
describe('TokenBuckets', () => {
  let now = 0;
  const buckets = () => new TokenBuckets({ limit: 2, windowMs: 2000, penaltyMs: 10_000 }, () => now);

  beforeEach(() => {
    now = 0;
  });

  it('counts down x-ratelimit-remaining, then refuses with the penalty as Retry-After', () => {
    const b = buckets();
    expect(b.take('t').headers).toEqual({ 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '1', 'x-ratelimit-reset': '1' });
    expect(b.take('t').headers['x-ratelimit-remaining']).toBe('0');
    const refused = b.take('t');
    expect(refused.allowed).toBe(false);
    expect(refused.headers).toEqual({ 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '10', 'retry-after': '10' });
  });

  it('keeps refusing during the penalty and allows again after it, per token', () => {
    const b = buckets();
    b.take('t');
    b.take('t');
    b.take('t');
    expect(b.take('other').allowed).toBe(true);
    now = 9_000;
    expect(b.take('t')).toMatchObject({ allowed: false, headers: { 'retry-after': '1' } });
    now = 10_000;
    expect(b.take('t').allowed).toBe(true);
  });

  it('changes only the settings given', () => {
    const b = buckets();
    b.configure({ limit: 5, windowMs: undefined });
    expect(b.take('t').headers).toMatchObject({ 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '4', 'x-ratelimit-reset': '1' });
  });

  it('refills the window continuously', () => {
    const b = buckets();
    b.take('t');
    b.take('t');
    now = 1000; // one request's worth back
    expect(b.take('t').allowed).toBe(true);
  });
});
