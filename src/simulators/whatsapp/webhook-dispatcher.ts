import { signWebhook, SIGNATURE_HEADER } from '../../whatsapp/signature';

/**
 * Delivers signed webhooks like Meta: POST with X-Hub-Signature-256, retried with
 * exponential backoff while the receiver is down or answers non-2xx (bounded attempts),
 * strictly in order per ordering key (a message's sent → delivered → read never overtake
 * each other; different messages do not wait for one another).
 */

export interface WebhookRetryPolicy {
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_WEBHOOK_RETRY: WebhookRetryPolicy = { maxAttempts: 8, initialDelayMs: 250, maxDelayMs: 10_000 };

export interface WebhookDelivery {
  seq: number;
  orderingKey: string;
  /** What the webhook reports, e.g. `status:delivered`, `message:text`, `call:connect`. */
  kind: string;
  payload: Record<string, unknown>;
  status: 'pending' | 'delivered' | 'failed' | 'skipped';
  attempts: number;
  lastStatusCode?: number;
  lastError?: string;
  enqueuedAt: string;
  deliveredAt?: string;
}

export interface DispatcherLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
  debug?(obj: Record<string, unknown>, msg: string): void;
}

export interface WebhookDispatcherOptions {
  url: string | null;
  appSecret: string;
  retry?: Partial<WebhookRetryPolicy>;
  timeoutMs?: number;
  fetch?: typeof fetch;
  logger?: DispatcherLogger;
}

export class WebhookDispatcher {
  private url: string | null;
  private readonly appSecret: string;
  private readonly retry: WebhookRetryPolicy;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly logger?: DispatcherLogger;
  private readonly log: WebhookDelivery[] = [];
  private readonly chains = new Map<string, Promise<void>>();
  private abort = new AbortController();
  private seq = 0;

  constructor(options: WebhookDispatcherOptions) {
    this.url = options.url || null;
    this.appSecret = options.appSecret;
    this.retry = { ...DEFAULT_WEBHOOK_RETRY, ...options.retry };
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.fetchImpl = options.fetch ?? fetch;
    this.logger = options.logger;
  }

  get webhookUrl(): string | null {
    return this.url;
  }

  setUrl(url: string | null): void {
    this.url = url || null;
  }

  enqueue(orderingKey: string, kind: string, payload: Record<string, unknown>): WebhookDelivery {
    const delivery: WebhookDelivery = {
      seq: ++this.seq,
      orderingKey,
      kind,
      payload,
      status: 'pending',
      attempts: 0,
      enqueuedAt: new Date().toISOString(),
    };
    this.log.push(delivery);
    const signal = this.abort.signal;
    const previous = this.chains.get(orderingKey) ?? Promise.resolve();
    const next = previous.then(() => this.deliver(delivery, signal));
    this.chains.set(orderingKey, next);
    void next.finally(() => {
      if (this.chains.get(orderingKey) === next) this.chains.delete(orderingKey);
    });
    return delivery;
  }

  deliveries(): WebhookDelivery[] {
    return [...this.log];
  }

  /** Resolves when every queued delivery has been delivered or given up. */
  async idle(): Promise<void> {
    while (this.chains.size > 0) await Promise.all([...this.chains.values()]);
  }

  /** Drops queued deliveries and the log (retries in flight stop at their next wait). */
  reset(): void {
    this.abort.abort();
    this.abort = new AbortController();
    this.chains.clear();
    this.log.length = 0;
  }

  close(): void {
    this.abort.abort();
    this.chains.clear();
  }

  private async deliver(delivery: WebhookDelivery, signal: AbortSignal): Promise<void> {
    const url = this.url;
    if (!url) {
      delivery.status = 'skipped';
      return;
    }
    const body = JSON.stringify(delivery.payload);
    const headers = { 'Content-Type': 'application/json', [SIGNATURE_HEADER]: signWebhook(body, this.appSecret) };
    let delay = this.retry.initialDelayMs;
    while (!signal.aborted) {
      delivery.attempts++;
      try {
        const response = await this.fetchImpl(url, {
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.any([signal, AbortSignal.timeout(this.timeoutMs)]),
        });
        delivery.lastStatusCode = response.status;
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) {
          delivery.status = 'delivered';
          delivery.deliveredAt = new Date().toISOString();
          this.logger?.debug?.({ seq: delivery.seq, kind: delivery.kind, attempts: delivery.attempts }, 'webhook delivered');
          return;
        }
        delivery.lastError = `HTTP ${response.status}`;
      } catch (err) {
        delivery.lastError = (err as Error).message;
      }
      if (delivery.attempts >= this.retry.maxAttempts || signal.aborted) break;
      this.logger?.warn(
        { seq: delivery.seq, kind: delivery.kind, attempt: delivery.attempts, error: delivery.lastError, retryInMs: delay },
        'webhook delivery failed; will retry',
      );
      if (!(await sleep(delay, signal))) break;
      delay = Math.min(delay * 2, this.retry.maxDelayMs);
    }
    delivery.status = 'failed';
    if (signal.aborted) {
      delivery.lastError = 'abandoned: simulator reset or closed';
      return;
    }
    this.logger?.warn({ seq: delivery.seq, kind: delivery.kind, attempts: delivery.attempts }, 'webhook delivery given up');
  }
}

/** False when aborted before the delay elapsed. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
