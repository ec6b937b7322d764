import { signWebhook, SIGNATURE_HEADER } from '../../whatsapp/signature';
import { WebhookSender, type WebhookDelivery, type WebhookRetryPolicy, type WebhookSenderLogger } from '../webhook-sender';

/**
 * Delivers signed webhooks like Meta: POST with X-Hub-Signature-256 to the one configured URL,
 * through the shared sender (bounded retries with backoff, strictly in order per ordering key:
 * a message's sent → delivered → read never overtake each other; different messages do not
 * wait for one another).
 */

export { DEFAULT_WEBHOOK_RETRY, type WebhookDelivery, type WebhookRetryPolicy } from '../webhook-sender';
export type DispatcherLogger = WebhookSenderLogger;

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
  private readonly sender: WebhookSender;

  constructor(options: WebhookDispatcherOptions) {
    this.url = options.url || null;
    this.appSecret = options.appSecret;
    this.sender = new WebhookSender({ retry: options.retry, timeoutMs: options.timeoutMs, fetch: options.fetch, logger: options.logger });
  }

  get webhookUrl(): string | null {
    return this.url;
  }

  setUrl(url: string | null): void {
    this.url = url || null;
  }

  enqueue(orderingKey: string, kind: string, payload: Record<string, unknown>): WebhookDelivery {
    return this.sender.enqueue({
      orderingKey,
      kind,
      payload,
      // The URL in force when the webhook's turn comes (it may be set while webhooks wait).
      target: (body) => (this.url ? { url: this.url, headers: { [SIGNATURE_HEADER]: signWebhook(body, this.appSecret) } } : null),
    });
  }

  deliveries(): WebhookDelivery[] {
    return this.sender.deliveries();
  }

  idle(): Promise<void> {
    return this.sender.idle();
  }

  reset(): void {
    this.sender.reset();
  }

  close(): void {
    this.sender.close();
  }
}
