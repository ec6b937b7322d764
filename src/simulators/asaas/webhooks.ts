import { randomUUID } from 'node:crypto';
import { WebhookSender, type WebhookDelivery, type WebhookRetryPolicy } from '../webhook-sender';

/**
 * Asaas webhook configurations (https://docs.asaas.com/docs/create-new-webhook-via-api,
 * https://docs.asaas.com/docs/criar-novo-webhook-pela-aplicacao-web): `POST /v3/webhooks` with
 * name, url, email, enabled, interrupted, apiVersion, authToken, sendType and events; `GET` lists
 * them, `DELETE /v3/webhooks/{id}` removes one; at most 10 per account.
 *
 * Delivery, as documented:
 * - the authToken travels unchanged in the `asaas-access-token` header
 *   (https://docs.asaas.com/docs/receba-eventos-do-asaas-no-seu-endpoint-de-webhook);
 * - only HTTP 200 counts as delivered, any other answer is a failure that is retried with growing
 *   intervals (https://docs.asaas.com/docs/webhooks-faq, https://docs.asaas.com/docs/queue-penalty:
 *   15 attempts over hours there; here the shared sender's short backoff, so tests wait seconds);
 * - SEQUENTIALLY sends one webhook's events in the order they happened, an event waiting for the
 *   one before it; NON_SEQUENTIALLY does not wait (https://docs.asaas.com/docs/tipos-de-envio).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- request bodies are checked field by field below
type Json = Record<string, any>;
export interface SimResponse { status: number; body: unknown }

export const ASAAS_WEBHOOK_RETRY: Partial<WebhookRetryPolicy> = { maxAttempts: 15 };
const MAX_WEBHOOKS = 10;
const SEND_TYPES = ['SEQUENTIALLY', 'NON_SEQUENTIALLY'];
/** The payment events of https://docs.asaas.com/docs/webhook-para-cobrancas a webhook may subscribe to. */
export const ASAAS_PAYMENT_EVENTS = [
  'PAYMENT_CREATED', 'PAYMENT_AWAITING_RISK_ANALYSIS', 'PAYMENT_APPROVED_BY_RISK_ANALYSIS', 'PAYMENT_REPROVED_BY_RISK_ANALYSIS',
  'PAYMENT_AUTHORIZED', 'PAYMENT_UPDATED', 'PAYMENT_CONFIRMED', 'PAYMENT_RECEIVED', 'PAYMENT_CREDIT_CARD_CAPTURE_REFUSED',
  'PAYMENT_ANTICIPATED', 'PAYMENT_OVERDUE', 'PAYMENT_DELETED', 'PAYMENT_RESTORED', 'PAYMENT_REFUNDED', 'PAYMENT_PARTIALLY_REFUNDED',
  'PAYMENT_REFUND_IN_PROGRESS', 'PAYMENT_RECEIVED_IN_CASH_UNDONE', 'PAYMENT_CHARGEBACK_REQUESTED', 'PAYMENT_CHARGEBACK_DISPUTE',
  'PAYMENT_AWAITING_CHARGEBACK_REVERSAL', 'PAYMENT_DUNNING_RECEIVED', 'PAYMENT_DUNNING_REQUESTED', 'PAYMENT_BANK_SLIP_VIEWED',
  'PAYMENT_CHECKOUT_VIEWED', 'PAYMENT_SPLIT_CANCELLED', 'PAYMENT_SPLIT_DIVERGENCE_BLOCK', 'PAYMENT_SPLIT_DIVERGENCE_BLOCK_FINISHED',
];

export interface AsaasWebhook {
  id: string;
  name: string;
  url: string;
  email: string | null;
  enabled: boolean;
  interrupted: boolean;
  apiVersion: number;
  sendType: 'SEQUENTIALLY' | 'NON_SEQUENTIALLY';
  events: string[];
  authToken: string | null;
}

const error = (status: number, code: string, description: string): SimResponse => ({ status, body: { errors: [{ code, description }] } });
const isHttpUrl = (value: unknown) => {
  try {
    return ['http:', 'https:'].includes(new URL(String(value)).protocol);
  } catch {
    return false;
  }
};

/** The webhook as the API answers it: the token itself is never returned, only whether there is one. */
function publicView(w: AsaasWebhook): Json {
  const { authToken, ...rest } = w;
  return { object: 'webhook', ...rest, hasAuthToken: authToken !== null };
}

export class AsaasWebhooks {
  private readonly configs = new Map<string, AsaasWebhook>();
  readonly sender: WebhookSender;

  constructor(options: { retry?: Partial<WebhookRetryPolicy>; fetch?: typeof fetch } = {}) {
    this.sender = new WebhookSender({ retry: { ...ASAAS_WEBHOOK_RETRY, ...options.retry }, fetch: options.fetch, accepts: (status) => status === 200 });
  }

  create(b: Json): SimResponse {
    if (typeof b.name !== 'string' || !b.name.trim()) return error(400, 'invalid_name', 'O nome do Webhook deve ser informado');
    if (!isHttpUrl(b.url)) return error(400, 'invalid_url', 'A URL informada é inválida');
    if (b.email !== undefined && b.email !== null && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(String(b.email))) return error(400, 'invalid_email', 'O email informado é inválido');
    if (b.sendType !== undefined && !SEND_TYPES.includes(b.sendType)) return error(400, 'invalid_sendType', 'O tipo de envio deve ser SEQUENTIALLY ou NON_SEQUENTIALLY');
    if (b.enabled !== undefined && typeof b.enabled !== 'boolean') return error(400, 'invalid_enabled', 'O campo enabled deve ser true ou false');
    if (b.interrupted !== undefined && typeof b.interrupted !== 'boolean') return error(400, 'invalid_interrupted', 'O campo interrupted deve ser true ou false');
    if (b.apiVersion !== undefined && b.apiVersion !== 3) return error(400, 'invalid_apiVersion', 'A versão da API deve ser 3');
    if (b.authToken !== undefined && b.authToken !== null && (typeof b.authToken !== 'string' || !/^\S{32,255}$/.test(b.authToken))) {
      return error(400, 'invalid_authToken', 'O token de autenticação deve ter entre 32 e 255 caracteres, sem espaços');
    }
    if (!Array.isArray(b.events) || b.events.length === 0) return error(400, 'invalid_events', 'Informe ao menos um evento');
    const unknown = (b.events as unknown[]).find((e) => typeof e !== 'string' || !ASAAS_PAYMENT_EVENTS.includes(e));
    if (unknown !== undefined) return error(400, 'invalid_events', `O evento ${String(unknown)} é inválido`);
    if (this.configs.size >= MAX_WEBHOOKS) return error(400, 'invalid_action', `Não é possível ter mais de ${MAX_WEBHOOKS} Webhooks configurados`);
    const webhook: AsaasWebhook = {
      id: randomUUID(),
      name: b.name,
      url: String(b.url),
      email: b.email ?? null,
      enabled: b.enabled ?? true,
      interrupted: b.interrupted ?? false,
      apiVersion: 3,
      sendType: b.sendType ?? 'SEQUENTIALLY',
      events: [...new Set(b.events as string[])],
      authToken: b.authToken ?? null,
    };
    this.configs.set(webhook.id, webhook);
    return { status: 200, body: publicView(webhook) };
  }

  list(): SimResponse {
    const data = [...this.configs.values()].map(publicView);
    return { status: 200, body: { object: 'list', hasMore: false, totalCount: data.length, limit: 10, offset: 0, data } };
  }

  remove(id: string): SimResponse {
    if (!this.configs.delete(id)) return error(404, 'not_found', 'Webhook não encontrado');
    return { status: 200, body: { deleted: true, id } };
  }

  /** Queues each event to every enabled, running webhook subscribed to it, in the order given. */
  send(events: Json[]): void {
    for (const webhook of this.configs.values()) {
      if (!webhook.enabled || webhook.interrupted) continue;
      for (const event of events) {
        if (!webhook.events.includes(event.event)) continue;
        this.sender.enqueue({
          // Sequential: the webhook's one queue; otherwise each event on its own.
          orderingKey: webhook.sendType === 'SEQUENTIALLY' ? webhook.id : `${webhook.id}:${event.id}`,
          kind: event.event,
          payload: event,
          target: () => ({ url: webhook.url, headers: webhook.authToken ? { 'asaas-access-token': webhook.authToken } : ({} as Record<string, string>) }),
        });
      }
    }
  }

  deliveries(): WebhookDelivery[] {
    return this.sender.deliveries();
  }
}
