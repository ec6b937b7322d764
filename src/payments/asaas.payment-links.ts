import { brazilianPhone, callGateway, centsOf, checkCustomer, checkDueDate, isRetryableStatus, PaymentLinkError, type PaymentLink, type PaymentLinkRequest, type PaymentLinks } from './payment-links';
import { dueDateAfter, type PaymentsConfig } from './payments.config';

type Json = Record<string, unknown>;

/**
 * Asaas v3: a customer (`POST /v3/customers`) and a payment for them (`POST /v3/payments`,
 * billingType UNDEFINED so the customer picks PIX, boleto or card) whose `invoiceUrl` is the
 * link: the invoice opens with that customer's data. `POST /v3/paymentLinks` was not chosen: a
 * payment link is for any buyer and asks for the data again. Asaas has no idempotency header, so
 * the intent id goes in `externalReference` and is looked up before creating; an existing
 * customer with the same e-mail is reused. Auth is the `access_token` header.
 */
export class AsaasPaymentLinks implements PaymentLinks {
  constructor(
    private readonly apiKey: string,
    private readonly config: Pick<PaymentsConfig, 'asaasApiUrl' | 'dueDays' | 'timeoutMs'>,
  ) {}

  async createLink(request: PaymentLinkRequest): Promise<PaymentLink> {
    const customerBody = buildAsaasCustomer(request);
    const paymentWithoutCustomer = buildAsaasPayment(request, '', this.config.dueDays);

    const existing = await this.call('GET', `/v3/payments?externalReference=${encodeURIComponent(request.intentId)}`);
    const found = ((existing.data as Json[] | undefined) ?? []).find((p) => p.deleted !== true);
    if (found) return toLink(found);

    const customers = await this.call('GET', `/v3/customers?email=${encodeURIComponent(request.customer.email)}`);
    let customerId = ((customers.data as Json[] | undefined) ?? []).find((c) => c.deleted !== true)?.id as string | undefined;
    customerId ??= (await this.call('POST', '/v3/customers', customerBody)).id as string;

    return toLink(await this.call('POST', '/v3/payments', { ...paymentWithoutCustomer, customer: customerId }));
  }

  private async call(method: 'GET' | 'POST', path: string, body?: Json): Promise<Json> {
    const { status, body: answer } = await callGateway(
      'asaas',
      `${this.config.asaasApiUrl}${path}`,
      {
        method,
        headers: { access_token: this.apiKey, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}), 'user-agent': 'recado' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      },
      this.config.timeoutMs,
    );
    if (status < 200 || status > 299) throw asaasError(status, answer);
    return (answer ?? {}) as Json;
  }
}

function toLink(payment: Json): PaymentLink {
  if (typeof payment.id !== 'string' || typeof payment.invoiceUrl !== 'string') throw new PaymentLinkError('asaas', 'payment without id or invoiceUrl', false);
  return { url: payment.invoiceUrl, gatewayReference: payment.id };
}

/** Asaas wants the national number (DDD + number) in `mobilePhone`. */
export function buildAsaasCustomer(request: PaymentLinkRequest) {
  checkCustomer('asaas', request.customer);
  const phone = brazilianPhone('asaas', request.customer.phone);
  return { name: request.customer.name, email: request.customer.email, mobilePhone: `${phone.areaCode}${phone.number}` };
}

/** `value` in reais as a JSON number with at most two decimals (15090 centavos → 150.9). */
export function buildAsaasPayment(request: PaymentLinkRequest, customerId: string, dueDays: number) {
  const cents = centsOf('asaas', request.amount);
  checkDueDate('asaas', request.dueDate);
  if (request.intentId.length > 100) throw new PaymentLinkError('asaas', 'intentId is longer than 100 characters', false, undefined, 'externalReference');
  return {
    customer: customerId,
    billingType: 'UNDEFINED',
    value: cents / 100,
    dueDate: request.dueDate ?? dueDateAfter(dueDays),
    description: request.product.name.slice(0, 500),
    externalReference: request.intentId,
  };
}

/** `{"errors":[{"code":"invalid_value","description":"…"}]}`; the code after `invalid_` names the field. */
export function asaasError(status: number, body: unknown): PaymentLinkError {
  const first = ((body as { errors?: Array<{ code?: unknown; description?: unknown }> } | undefined)?.errors ?? [])[0];
  const code = typeof first?.code === 'string' ? first.code : undefined;
  const description = typeof first?.description === 'string' ? first.description : typeof body === 'string' && body ? body.slice(0, 200) : `HTTP ${status}`;
  const field = code?.startsWith('invalid_') && code !== 'invalid_access_token' ? code.slice('invalid_'.length) : undefined;
  return new PaymentLinkError('asaas', `${status} ${code ? `${code}: ` : ''}${description}`, isRetryableStatus(status), status, field);
}
