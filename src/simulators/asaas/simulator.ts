import { randomBytes } from 'node:crypto';
import type { WebhookRetryPolicy } from '../webhook-sender';
import { AsaasWebhooks } from './webhooks';

/**
 * Asaas v3, in memory: customers and payments with the documented validation (400
 * `{"errors":[{"code":"invalid_…","description":…}]}`), the `access_token` header (401 in the
 * same envelope), list filters by `externalReference` / `email`, webhook configurations
 * (`/v3/webhooks`, see webhooks.ts), and the customer paying: `receivePayment(id)` marks the
 * payment paid once and sends `PAYMENT_CONFIRMED` then `PAYMENT_RECEIVED` to the subscribed webhooks.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- request bodies are checked field by field below
type Json = Record<string, any>;
export interface SimResponse { status: number; body: unknown }

const digits = (n: number) => Array.from(randomBytes(n), (b) => String(b % 10)).join('');
// Asaas writes its dates in Brasília time (UTC-3, no daylight saving since 2019).
const brasiliaNow = () => new Date(Date.now() - 3 * 3600_000).toISOString();
const today = () => brasiliaNow().slice(0, 10);
const error = (status: number, code: string, description: string): SimResponse => ({ status, body: { errors: [{ code, description }] } });
const list = (data: Json[]) => ({ object: 'list', hasMore: false, totalCount: data.length, limit: 10, offset: 0, data });

export class AsaasSimulator {
  readonly customers = new Map<string, Json>();
  readonly payments = new Map<string, Json>();
  readonly webhooks: AsaasWebhooks;
  /** The events each paid payment produced, so paying twice sends nothing new. */
  private readonly paidEvents = new Map<string, Json[]>();
  private faults: number[] = [];
  baseUrl = '';

  constructor(readonly apiKey = '$aact_simulator', options: { webhookRetry?: Partial<WebhookRetryPolicy>; fetch?: typeof fetch } = {}) {
    this.webhooks = new AsaasWebhooks({ retry: options.webhookRetry, fetch: options.fetch });
  }

  failNext(status: number, count = 1): void {
    for (let i = 0; i < count; i++) this.faults.push(status);
  }

  handle(method: string, path: string, query: Record<string, string | undefined>, accessToken: string | undefined, body: unknown): SimResponse {
    if (!accessToken) return error(401, 'access_token_not_found', 'O cabeçalho de autenticação \'access_token\' é obrigatório e não foi encontrado na requisição');
    if (accessToken !== this.apiKey) return error(401, 'invalid_access_token', 'A chave de API fornecida é inválida');
    const fault = this.faults.shift();
    if (fault) return { status: fault, body: fault === 429 ? error(429, 'too_many_requests', 'Too many requests').body : { errors: [{ code: 'internal_error', description: 'Internal Server Error' }] } };
    const b = (body && typeof body === 'object' ? body : {}) as Json;
    if (method === 'POST' && path === '/v3/customers') return this.createCustomer(b);
    if (method === 'POST' && path === '/v3/payments') return this.createPayment(b);
    if (method === 'POST' && path === '/v3/webhooks') return this.webhooks.create(b);
    if (method === 'GET' && path === '/v3/webhooks') return this.webhooks.list();
    if (method === 'DELETE' && path.startsWith('/v3/webhooks/')) return this.webhooks.remove(decodeURIComponent(path.slice('/v3/webhooks/'.length)));
    if (method === 'GET' && path === '/v3/customers') return { status: 200, body: list([...this.customers.values()].filter((c) => !query.email || c.email === query.email)) };
    if (method === 'GET' && path === '/v3/payments') {
      return { status: 200, body: list([...this.payments.values()].filter((p) => (!query.externalReference || p.externalReference === query.externalReference) && (!query.customer || p.customer === query.customer))) };
    }
    return { status: 404, body: {} };
  }

  private createCustomer(b: Json): SimResponse {
    if (typeof b.name !== 'string' || !b.name.trim()) return error(400, 'invalid_name', 'O nome do cliente deve ser informado');
    if (b.email !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(String(b.email))) return error(400, 'invalid_email', 'O email informado é inválido');
    if (b.mobilePhone !== undefined && !/^[1-9][0-9]9?\d{8}$/.test(String(b.mobilePhone))) return error(400, 'invalid_mobilePhone', 'O celular informado é inválido');
    if (b.cpfCnpj !== undefined && !/^(\d{11}|\d{14})$/.test(String(b.cpfCnpj).replace(/\D/g, ''))) return error(400, 'invalid_cpfCnpj', 'O CPF/CNPJ informado é inválido');
    const customer = {
      object: 'customer', id: `cus_${digits(12)}`, dateCreated: today(), name: b.name, email: b.email ?? null, phone: b.phone ?? null, mobilePhone: b.mobilePhone ?? null,
      cpfCnpj: b.cpfCnpj ?? null, personType: b.cpfCnpj && String(b.cpfCnpj).replace(/\D/g, '').length === 14 ? 'JURIDICA' : 'FISICA', deleted: false,
      externalReference: b.externalReference ?? null, notificationDisabled: b.notificationDisabled ?? false, foreignCustomer: false,
    };
    this.customers.set(customer.id, customer);
    return { status: 200, body: customer };
  }

  private createPayment(b: Json): SimResponse {
    if (typeof b.customer !== 'string' || !this.customers.has(b.customer)) return error(400, 'invalid_customer', 'Cliente inválido ou não informado');
    if (!['UNDEFINED', 'BOLETO', 'CREDIT_CARD', 'PIX'].includes(b.billingType)) return error(400, 'invalid_billingType', 'Informe uma forma de pagamento válida');
    if (typeof b.value !== 'number' || !(b.value > 0)) return error(400, 'invalid_value', 'O campo value deve ser informado');
    if (Math.round(b.value * 100) / 100 !== b.value) return error(400, 'invalid_value', 'O valor deve ter no máximo duas casas decimais');
    if (typeof b.dueDate !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(b.dueDate)) return error(400, 'invalid_dueDate', 'A data de vencimento deve ser informada');
    if (b.dueDate < today()) return error(400, 'invalid_dueDate', 'A data de vencimento não pode ser inferior à hoje');
    const number = digits(12);
    const payment = {
      object: 'payment', id: `pay_${number}`, dateCreated: today(), customer: b.customer, paymentLink: null, value: b.value, netValue: b.value,
      originalValue: null, interestValue: null, description: b.description ?? null, billingType: b.billingType, status: 'PENDING',
      dueDate: b.dueDate, originalDueDate: b.dueDate, paymentDate: null, clientPaymentDate: null, installmentNumber: null,
      invoiceUrl: `${this.baseUrl}/i/${number}`, invoiceNumber: digits(8), externalReference: b.externalReference ?? null,
      deleted: false, anticipated: false, anticipable: false, bankSlipUrl: null, transactionReceiptUrl: null, nossoNumero: null, postalService: false,
      pixTransaction: null, custody: null, lastInvoiceViewedDate: null, lastBankSlipViewedDate: null, refunds: null,
      // Asaas's defaults when the request sets none, as in the documented payment object.
      discount: { value: 0, dueDateLimitDays: 0, limitedDate: null, type: 'FIXED' }, fine: { value: 0, type: 'FIXED' }, interest: { value: 0, type: 'PERCENTAGE' },
    };
    this.payments.set(payment.id, payment);
    return { status: 200, body: payment };
  }

  /**
   * The customer pays (the invoice page's button, or the control API): the payment is confirmed
   * then received, and each step's webhook goes to the subscribed webhooks, in that order, in the
   * background. A payment already paid sends nothing again (`alreadyPaid`); `events` are its bodies.
   * A payment left UNDEFINED is paid by card on the invoice page: Asaas documents both events for
   * such a payment (confirmed when the card is approved, received when the money is credited).
   */
  receivePayment(paymentId: string): { alreadyPaid: boolean; events: Json[] } {
    const payment = this.payments.get(paymentId);
    if (!payment) throw new Error(`no payment ${paymentId}`);
    const earlier = this.paidEvents.get(paymentId);
    if (earlier) return { alreadyPaid: true, events: earlier };
    const day = today();
    Object.assign(payment, { status: 'CONFIRMED', billingType: payment.billingType === 'UNDEFINED' ? 'CREDIT_CARD' : payment.billingType, confirmedDate: day, paymentDate: day, clientPaymentDate: day, creditDate: null, estimatedCreditDate: day });
    const confirmed = this.event('PAYMENT_CONFIRMED', payment);
    Object.assign(payment, { status: 'RECEIVED', creditDate: day });
    const received = this.event('PAYMENT_RECEIVED', payment);
    const events = [confirmed, received];
    this.paidEvents.set(paymentId, events);
    this.webhooks.send(events);
    return { alreadyPaid: false, events };
  }

  /** Pays (once) and returns the `PAYMENT_RECEIVED` webhook, shaped like test/fixtures/stores/asaas/payment-received.json. */
  pay(paymentId: string): Json {
    return this.receivePayment(paymentId).events[1];
  }

  isPaid(paymentId: string): boolean {
    return this.paidEvents.has(paymentId);
  }

  close(): void {
    this.webhooks.sender.close();
  }

  /** One event as Asaas sends it: a unique `evt_…` id, Brasília time, a snapshot of the payment. */
  private event(name: string, payment: Json): Json {
    const dateCreated = brasiliaNow().slice(0, 19).replace('T', ' ');
    return { id: `evt_${randomBytes(16).toString('hex')}&${digits(9)}`, event: name, dateCreated, payment: { ...payment } };
  }
}
