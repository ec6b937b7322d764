/**
 * Pipedrive's burst limits kept on recado's side, so that many checkout intents at once queue
 * here instead of earning 429s: going over costs a token a 10-second penalty, and a crowd of
 * retries coming back together after it would earn the next one. Per API token and process, a
 * request waits for its turn in its bucket — searches have their own, smaller one — paced at
 * PACED_SHARE of the limit Pipedrive announces in `x-ratelimit-limit` (the documented defaults until
 * it has). A 429 that comes anyway (another process with the same token) closes the bucket for
 * the wait Pipedrive asked. A turn further away than the caller may wait is not taken: the caller
 * is told how long to wait instead.
 */

export type PipedriveBucket = 'general' | 'search';

/** Pipedrive's rate-limiting page: a rolling 2-second window, 20 requests (Lite), searches 10. */
const WINDOW_MS = 2000;
const DOCUMENTED_LIMITS: Record<PipedriveBucket, number> = { general: 20, search: 10 };
/** Leaves room for the window's edges and other clients of the same token. */
const PACED_SHARE = 0.9;

interface Bucket {
  limit: number;
  /** GCRA's theoretical arrival time: when the next request would be due at the paced rate. */
  tat: number;
  closedUntil: number;
}

export class PipedrivePacer {
  private static readonly byToken = new Map<string, PipedrivePacer>();
  private readonly buckets: Record<PipedriveBucket, Bucket>;

  constructor(private readonly now: () => number = Date.now) {
    this.buckets = {
      general: { limit: DOCUMENTED_LIMITS.general, tat: 0, closedUntil: 0 },
      search: { limit: DOCUMENTED_LIMITS.search, tat: 0, closedUntil: 0 },
    };
  }

  /** The pacer every client of this API host and token in the process shares. */
  static shared(apiUrl: string, apiToken: string): PipedrivePacer {
    const key = `${apiUrl} ${apiToken}`;
    let pacer = PipedrivePacer.byToken.get(key);
    if (!pacer) PipedrivePacer.byToken.set(key, (pacer = new PipedrivePacer()));
    return pacer;
  }

  static bucketOf(path: string): PipedriveBucket {
    return /\/search(\b|$)/.test(path) ? 'search' : 'general';
  }

  /**
   * Takes the next turn of `bucket` and says how long to wait for it (0: now); or, when that is
   * more than `maxWaitMs`, takes nothing and answers `{ later: ms }`.
   */
  reserve(bucket: PipedriveBucket, maxWaitMs: number): { waitMs: number } | { laterMs: number } {
    const b = this.buckets[bucket];
    const interval = WINDOW_MS / Math.max(1, Math.floor(b.limit * PACED_SHARE));
    const burst = (Math.max(1, Math.floor(b.limit * PACED_SHARE)) - 1) * interval;
    const now = this.now();
    const from = Math.max(now, b.closedUntil);
    const tat = Math.max(b.tat, from);
    const start = Math.max(from, tat - burst);
    // Whole milliseconds: what a timer can wait, and no float dust turning 0 into 2e-13.
    const waitMs = Math.max(0, Math.round(start - now));
    if (waitMs > maxWaitMs) return { laterMs: waitMs };
    b.tat = tat + interval;
    return { waitMs };
  }

  /** What Pipedrive's answer says of the bucket: its limit, and a wait after a 429. */
  observe(bucket: PipedriveBucket, status: number, headers: Headers, retryAfterMs: number | null): void {
    const b = this.buckets[bucket];
    const limit = Number(headers.get('x-ratelimit-limit') ?? NaN);
    if (Number.isInteger(limit) && limit > 0) b.limit = limit;
    if (status === 429) b.closedUntil = Math.max(b.closedUntil, this.now() + (retryAfterMs ?? WINDOW_MS));
  }
}
