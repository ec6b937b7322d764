/**
 * Delivers simulated providers' webhooks the way the providers do: POST of a JSON body,
 * strictly in order per ordering key (one webhook target's queue, or one message's statuses),
 * retried with exponential backoff while the receiver is down or answers a failure, a bounded
 * number of times. Where and with which headers each webhook goes is asked when its turn comes,
 * so a target changed (or removed) while a webhook waits in its queue is honoured.
 *
 * Every delivery is kept in a log (`deliveries()`) with its attempts and the last answer, so a
 * test or a person can see what was sent and wait for it (`idle()`).
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
  /** What the webhook reports, e.g. `status:delivered`, `PAYMENT_RECEIVED`, `order.paid`. */
  kind: string;
  payload: Record<string, unknown>;
  status: 'pending' | 'delivered' | 'failed' | 'skipped';
  attempts: number;
  /** Where it was sent (absent until its turn comes, or when it had nowhere to go). */
  url?: string;
  lastStatusCode?: number;
  lastError?: string;
  enqueuedAt: string;
  deliveredAt?: string;
}

/** Where a webhook goes and with which headers; null: nowhere (the delivery is skipped). */
export type WebhookTarget = { url: string; headers: Record<string, string> } | null;

export interface WebhookSenderLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
  debug?(obj: Record<string, unknown>, msg: string): void;
}

export interface WebhookSenderOptions {
  retry?: Partial<WebhookRetryPolicy>;
  timeoutMs?: number;
  /** Which answers count as delivered: any 2xx unless the provider documents otherwise. */
  accepts?: (status: number) => boolean;
  fetch?: typeof fetch;
  logger?: WebhookSenderLogger;
}

export interface WebhookToSend {
  orderingKey: string;
  kind: string;
  payload: Record<string, unknown>;
  /** Resolved when the delivery's turn comes, with the exact body that will be sent (for signatures). */
  target: (body: string) => WebhookTarget;
}

export class WebhookSender {
  private readonly retry: WebhookRetryPolicy;
  private readonly timeoutMs: number;
  private readonly accepts: (status: number) => boolean;
  private readonly fetchImpl: typeof fetch;
  private readonly logger?: WebhookSenderLogger;
  private readonly log: WebhookDelivery[] = [];
  private readonly chains = new Map<string, Promise<void>>();
  private abort = new AbortController();
  private seq = 0;

  constructor(options: WebhookSenderOptions = {}) {
    this.retry = { ...DEFAULT_WEBHOOK_RETRY, ...options.retry };
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.accepts = options.accepts ?? ((status) => status >= 200 && status < 300);
    this.fetchImpl = options.fetch ?? fetch;
    this.logger = options.logger;
  }

  enqueue(webhook: WebhookToSend): WebhookDelivery {
    const delivery: WebhookDelivery = {
      seq: ++this.seq,
      orderingKey: webhook.orderingKey,
      kind: webhook.kind,
      payload: webhook.payload,
      status: 'pending',
      attempts: 0,
      enqueuedAt: new Date().toISOString(),
    };
    this.log.push(delivery);
    const signal = this.abort.signal;
    const previous = this.chains.get(webhook.orderingKey) ?? Promise.resolve();
    const next = previous.then(() => this.deliver(delivery, webhook.target, signal));
    this.chains.set(webhook.orderingKey, next);
    void next.finally(() => {
      if (this.chains.get(webhook.orderingKey) === next) this.chains.delete(webhook.orderingKey);
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

  private async deliver(delivery: WebhookDelivery, targetOf: (body: string) => WebhookTarget, signal: AbortSignal): Promise<void> {
    const body = JSON.stringify(delivery.payload);
    const target = targetOf(body);
    if (!target) {
      delivery.status = 'skipped';
      return;
    }
    delivery.url = target.url;
    let delay = this.retry.initialDelayMs;
    while (!signal.aborted) {
      delivery.attempts++;
      try {
        const response = await this.fetchImpl(target.url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', ...target.headers },
          body,
          signal: AbortSignal.any([signal, AbortSignal.timeout(this.timeoutMs)]),
        });
        delivery.lastStatusCode = response.status;
        await response.arrayBuffer().catch(() => undefined);
        if (this.accepts(response.status)) {
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
