/**
 * Pipedrive's burst rate limit as its "Rate limiting" page documents it
 * (pipedrive.readme.io/docs/core-api-concepts-rate-limiting): per API token, a number of requests
 * in a rolling 2-second window (20 for an API token on the Lite plan; search endpoints 10 on every
 * plan), reported on each answer by `x-ratelimit-limit`, `x-ratelimit-remaining` and
 * `x-ratelimit-reset` (seconds until the window resets). Modelled as a token bucket that refills
 * `limit` requests per window. Going over costs a penalty: a Pipedrive engineer explains on
 * devcommunity.pipedrive.com/t/rate-limiting-issues/7462 that the reset is then 10 s, and the 429
 * quoted there carries `Retry-After: 10`.
 */

export interface RateLimitSettings {
  /** Requests per window (x-ratelimit-limit). */
  limit: number;
  windowMs: number;
  /** How long a token that went over waits, from its 429 on. */
  penaltyMs: number;
}

export const DEFAULT_RATE_LIMITS: Record<'general' | 'search', RateLimitSettings> = {
  general: { limit: 20, windowMs: 2000, penaltyMs: 10_000 },
  search: { limit: 10, windowMs: 2000, penaltyMs: 10_000 },
};

export interface RateLimitVerdict {
  allowed: boolean;
  headers: Record<string, string>;
}

interface Bucket {
  tokens: number;
  at: number;
  blockedUntil: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private settings: RateLimitSettings,
    private readonly now: () => number,
  ) {}

  /** Changes the given settings (absent ones stay) and starts every bucket afresh. */
  configure(settings: Partial<RateLimitSettings>): void {
    const given = Object.entries(settings).filter(([, v]) => v !== undefined);
    this.settings = { ...this.settings, ...Object.fromEntries(given) };
    this.buckets.clear();
  }

  /** Spends one request of `key`'s budget, or says why not. */
  take(key: string): RateLimitVerdict {
    const { limit, windowMs, penaltyMs } = this.settings;
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: limit, at: now, blockedUntil: 0 };
    this.buckets.set(key, bucket);
    if (now < bucket.blockedUntil) return this.refused(bucket.blockedUntil - now);
    bucket.tokens = Math.min(limit, bucket.tokens + ((now - bucket.at) * limit) / windowMs);
    bucket.at = now;
    if (bucket.tokens < 1) {
      bucket.blockedUntil = now + penaltyMs;
      return this.refused(penaltyMs);
    }
    bucket.tokens -= 1;
    const msToFull = ((limit - bucket.tokens) * windowMs) / limit;
    return { allowed: true, headers: this.headers(Math.floor(bucket.tokens), Math.ceil(msToFull / 1000)) };
  }

  /** Headers for an answer refused for `waitMs` (also used by forced 429s). */
  refused(waitMs: number): RateLimitVerdict {
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    return { allowed: false, headers: { ...this.headers(0, seconds), 'retry-after': String(seconds) } };
  }

  private headers(remaining: number, resetSeconds: number): Record<string, string> {
    return {
      'x-ratelimit-limit': String(this.settings.limit),
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-reset': String(resetSeconds),
    };
  }
}
