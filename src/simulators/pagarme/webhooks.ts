import { randomBytes } from 'node:crypto';
import { WebhookSender, type WebhookDelivery, type WebhookRetryPolicy } from '../webhook-sender';

/**
 * Pagar.me v5 webhooks are configured in the dashboard, not through the API: a URL and, optionally,
 * HTTP basic credentials the hook is sent with (the verification recado's adapter does, see
 * src/stores/adapters/pagarme.ts; events https://docs.pagar.me/reference/eventos-de-webhook-1). The
 * simulator takes that configuration through its control API instead:
 *   POST /_sim/webhooks { url, basic_auth_user?, basic_auth_password? }   GET /_sim/webhooks
 *   DELETE /_sim/webhooks/:id
 * Each hook goes to every configured URL, in the order the events happened, retried with backoff
 * on any non-2xx answer (Pagar.me retries failed hooks and shows each one's attempts; it does not
 * publish the schedule, so the shared sender's).
 */
export interface PagarmeWebhookConfig {
  id: string;
  url: string;
  basic_auth_user: string | null;
  basic_auth_password: string | null;
}

export class SimControlError extends Error {}

const isHttpUrl = (value: unknown) => {
  try {
    return ['http:', 'https:'].includes(new URL(String(value)).protocol);
  } catch {
    return false;
  }
};

/** The configuration as listed: the password is never echoed, only whether there is one. */
const publicView = ({ basic_auth_password, ...rest }: PagarmeWebhookConfig) => ({ ...rest, has_basic_auth_password: basic_auth_password !== null });

export class PagarmeWebhooks {
  private readonly configs = new Map<string, PagarmeWebhookConfig>();
  readonly sender: WebhookSender;

  constructor(options: { retry?: Partial<WebhookRetryPolicy>; fetch?: typeof fetch } = {}) {
    this.sender = new WebhookSender({ retry: options.retry, fetch: options.fetch });
  }

  configure(body: unknown) {
    const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    if (!isHttpUrl(b.url)) throw new SimControlError('url must be an http(s) URL');
    for (const field of ['basic_auth_user', 'basic_auth_password'] as const) {
      if (b[field] !== undefined && b[field] !== null && typeof b[field] !== 'string') throw new SimControlError(`${field} must be a string`);
    }
    if (b.basic_auth_password != null && b.basic_auth_user == null) throw new SimControlError('basic_auth_password needs basic_auth_user');
    const config: PagarmeWebhookConfig = {
      id: `wh_${randomBytes(8).toString('hex')}`,
      url: String(b.url),
      basic_auth_user: (b.basic_auth_user as string | undefined) ?? null,
      basic_auth_password: (b.basic_auth_password as string | undefined) ?? null,
    };
    this.configs.set(config.id, config);
    return publicView(config);
  }

  list() {
    return { data: [...this.configs.values()].map(publicView) };
  }

  remove(id: string): boolean {
    return this.configs.delete(id);
  }

  /** Queues each hook to every configured URL, in the order given. */
  send(hooks: Array<Record<string, unknown> & { type: string }>): void {
    for (const config of this.configs.values()) {
      const headers: Record<string, string> = {};
      if (config.basic_auth_user !== null) {
        headers.Authorization = `Basic ${Buffer.from(`${config.basic_auth_user}:${config.basic_auth_password ?? ''}`).toString('base64')}`;
      }
      for (const hook of hooks) {
        this.sender.enqueue({ orderingKey: config.id, kind: hook.type, payload: hook, target: () => ({ url: config.url, headers }) });
      }
    }
  }

  deliveries(): WebhookDelivery[] {
    return this.sender.deliveries();
  }
}
