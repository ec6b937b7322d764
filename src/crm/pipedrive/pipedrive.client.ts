import { CrmError, CrmRateLimitedError, CrmRejectedError, CrmUnauthorizedError, CrmUnavailableError } from '../driver';
import { PipedrivePacer } from './pacer';
import { pipedriveBodyChecker, type PipedriveRequestKind } from './pipedrive.schemas';

/**
 * Pipedrive's REST API over fetch: the API token in the `x-api-token` header (Pipedrive's
 * documented way; never in the URL, so no URL or error carries it), JSON bodies checked against
 * the documented request schemas before they leave, the `{success, data, additional_data}`
 * envelope unwrapped, and every failure turned into a classified CrmError. Requests are paced
 * under the token's burst limit (pacer.ts); a 429 is waited out here only when Pipedrive asks for
 * a short wait; otherwise the caller (a Temporal activity with its retry policy) gets a retryable
 * error carrying the wait.
 */

export interface PipedriveClientOptions {
  /** Host only, e.g. https://api.pipedrive.com; paths carry their version (/api/v2/…, /v1/…). */
  apiUrl: string;
  apiToken: string;
  timeoutMs: number;
  rateLimitMaxWaitMs: number;
  rateLimitRetries: number;
  /** The longest a request waits for its turn under the token's burst limit before giving up to its caller. */
  queueMaxWaitMs: number;
  /** The token's pacing; the one shared by the process's clients of this host and token when absent. */
  pacer?: PipedrivePacer;
  fetch?: typeof fetch;
  /** Waits between 429s; tests pass one that records instead of waiting. */
  sleep?: (ms: number) => Promise<void>;
}

export interface PipedriveEnvelope<T> {
  success: boolean;
  data: T;
  additional_data?: Record<string, unknown> | null;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT';
type Query = Record<string, string | number | boolean | undefined>;

const strictCheck = pipedriveBodyChecker('strict');
const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * How long Pipedrive asks to wait, in ms: `Retry-After` (seconds or an HTTP date) when present,
 * else `x-ratelimit-reset` (seconds until the window resets); null when it said neither.
 */
export function retryAfterMs(headers: Headers, now = Date.now()): number | null {
  const retryAfter = headers.get('retry-after');
  if (retryAfter !== null && retryAfter.trim() !== '') {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  const reset = Number(headers.get('x-ratelimit-reset') ?? NaN);
  return Number.isFinite(reset) && reset >= 0 ? Math.ceil(reset * 1000) : null;
}

/** The failure for a non-2xx answer (or a 2xx saying `success: false`). */
export function classifyPipedriveFailure(what: string, status: number, headers: Headers, body: unknown): CrmError {
  const json = body && typeof body === 'object' ? (body as { error?: unknown; error_info?: unknown }) : null;
  const reason = typeof json?.error === 'string' ? json.error : `HTTP ${status}`;
  const message = `Pipedrive ${what}: ${status} ${reason}`;
  if (status === 401) return new CrmUnauthorizedError(message);
  if (status === 429) return new CrmRateLimitedError(message, retryAfterMs(headers));
  // Pipedrive blocks tokens that keep calling after a 429 with a 403 that is an HTML page, not
  // its JSON envelope: that is rate limiting too, and it clears by itself.
  if (status === 403 && !json) return new CrmRateLimitedError(`Pipedrive ${what}: 403 blocked after too many requests`, retryAfterMs(headers));
  if (status >= 500) return new CrmUnavailableError(message, status);
  return new CrmRejectedError(message, status);
}

export class PipedriveClient {
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly pacer: PipedrivePacer;

  constructor(private readonly options: PipedriveClientOptions) {
    this.fetchImpl = options.fetch ?? fetch;
    this.sleep = options.sleep ?? defaultSleep;
    this.pacer = options.pacer ?? PipedrivePacer.shared(options.apiUrl, options.apiToken);
  }

  async request<T>(method: Method, path: string, opts: { query?: Query; body?: unknown; kind?: PipedriveRequestKind } = {}): Promise<PipedriveEnvelope<T>> {
    // Method and path only: queries may hold a customer's e-mail or phone.
    const what = `${method} ${path}`;
    if (opts.kind) {
      const problem = strictCheck(opts.kind, opts.body);
      // Our own bug, found before Pipedrive sees it: sending it again cannot help.
      if (problem) throw new CrmRejectedError(`Pipedrive ${what} not sent: ${problem}`, 0);
    }
    const url = new URL(this.options.apiUrl + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));

    const bucket = PipedrivePacer.bucketOf(path);
    for (let attempt = 0; ; attempt++) {
      // After a short 429 the bucket is closed for Pipedrive's wait: the turn waits it out.
      const turn = this.pacer.reserve(bucket, this.options.queueMaxWaitMs);
      if ('laterMs' in turn) {
        throw new CrmRateLimitedError(`Pipedrive ${what}: not sent, this token's ${bucket} requests are paced for the next ${Math.ceil(turn.laterMs / 1000)} s`, turn.laterMs);
      }
      if (turn.waitMs > 0) await this.sleep(turn.waitMs);
      const { status, headers, body } = await this.send(what, url, method, opts.body);
      this.pacer.observe(bucket, status, headers, status === 429 ? retryAfterMs(headers) : null);
      if (status >= 200 && status < 300 && (body as { success?: unknown } | null)?.success !== false) {
        return body as PipedriveEnvelope<T>;
      }
      const failure = classifyPipedriveFailure(what, status, headers, body);
      // A 429 was not acted on, so repeating any method is safe; wait only when the wait is short.
      const wait = failure.retryAfterMs;
      if (status === 429 && wait !== null && wait <= this.options.rateLimitMaxWaitMs && attempt < this.options.rateLimitRetries) continue;
      throw failure;
    }
  }

  private async send(what: string, url: URL, method: Method, body: unknown): Promise<{ status: number; headers: Headers; body: unknown }> {
    let res: Response;
    let text: string;
    try {
      res = await this.fetchImpl(url, {
        method,
        headers: {
          'x-api-token': this.options.apiToken,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      const reason = e.name === 'TimeoutError' ? `no answer within ${this.options.timeoutMs} ms` : (e.cause?.code ?? e.message);
      throw new CrmUnavailableError(`Pipedrive ${what}: ${reason}`, null);
    }
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (res.ok && (parsed === null || typeof parsed !== 'object')) {
      throw new CrmUnavailableError(`Pipedrive ${what}: ${res.status} with a body that is not Pipedrive's JSON envelope`, res.status);
    }
    return { status: res.status, headers: res.headers, body: parsed };
  }
}
