import { brazilianPhone, callGateway, centsOf, checkCustomer, checkDueDate, isRetryableStatus, PaymentLinkError, type PaymentLink, type PaymentLinkRequest, type PaymentLinks } from './payment-links';
import { dueDateAfter, type PaymentsConfig } from './payments.config';

/**
 * Pagar.me v5 through the Checkout API: `POST /core/v5/orders` with one payment whose
 * `payment_method` is `checkout` (docs.pagar.me/reference/checkout-pagarme). Chosen over
 * `POST /core/v5/paymentlinks` because the order carries the `customer` (name, e-mail, phone), so
 * the hosted page opens pre-filled, and `checkouts[0].payment_url` is that customer's own link;
 * a payment link is made for many buyers. Auth is HTTP Basic with the secret key as the user and
 * an empty password; `Idempotency-Key` makes a retried create return the same order.
 */
export class PagarmePaymentLinks implements PaymentLinks {
  constructor(
    private readonly secretKey: string,
    private readonly config: Pick<PaymentsConfig, 'pagarmeApiUrl' | 'dueDays' | 'timeoutMs'>,
    /** Where the customer lands after paying; optional in the API. */
    private readonly successUrl?: string,
  ) {}

  async createLink(request: PaymentLinkRequest): Promise<PaymentLink> {
    const body = buildPagarmeOrder(request, this.config.dueDays, this.successUrl);
    const { status, body: answer } = await callGateway(
      'pagarme',
      `${this.config.pagarmeApiUrl}/core/v5/orders`,
      {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${this.secretKey}:`).toString('base64')}`,
          'content-type': 'application/json',
          accept: 'application/json',
          'idempotency-key': request.intentId,
        },
        body: JSON.stringify(body),
      },
      this.config.timeoutMs,
    );
    if (status < 200 || status > 299) throw pagarmeError(status, answer);
    const order = answer as { id?: unknown; checkouts?: Array<{ payment_url?: unknown }> };
    const url = order.checkouts?.[0]?.payment_url;
    if (typeof order.id !== 'string' || typeof url !== 'string') {
      throw new PaymentLinkError('pagarme', 'order created without checkouts[0].payment_url', false, status);
    }
    return { url, gatewayReference: order.id };
  }
}

/** The order as the v5 schema wants it: integer centavos, the phone split in parts, the intent as `code`. */
export function buildPagarmeOrder(request: PaymentLinkRequest, dueDays: number, successUrl?: string) {
  const amount = centsOf('pagarme', request.amount);
  checkCustomer('pagarme', request.customer);
  checkDueDate('pagarme', request.dueDate);
  const phone = brazilianPhone('pagarme', request.customer.phone);
  if (request.intentId.length > 52) throw new PaymentLinkError('pagarme', 'intentId is longer than the 52 characters of an order code', false, undefined, 'code');
  const dueAt = `${request.dueDate ?? dueDateAfter(dueDays)}T23:59:59Z`;
  return {
    code: request.intentId,
    items: [{ amount, description: request.product.name, quantity: 1, ...(request.product.code ? { code: request.product.code } : {}) }],
    customer: {
      name: request.customer.name,
      email: request.customer.email,
      type: 'individual',
      phones: { mobile_phone: { country_code: phone.countryCode, area_code: phone.areaCode, number: phone.number } },
    },
    payments: [
      {
        amount,
        payment_method: 'checkout',
        checkout: {
          // Minutes the page stays open; the due date bounds it too through boleto.due_at.
          expires_in: dueDays * 24 * 60,
          // The CPF is not captured by our form: the customer types it once, on the gateway's page.
          customer_editable: true,
          billing_address_editable: true,
          accepted_payment_methods: ['credit_card', 'boleto', 'pix'],
          ...(successUrl ? { success_url: successUrl } : {}),
          boleto: { due_at: dueAt },
          pix: { expires_in: dueDays * 86_400 },
        },
      },
    ],
  };
}

/** `{"message": …, "errors": {"order.customer.name": ["…"]}}` → the first field and its message. */
export function pagarmeError(status: number, body: unknown): PaymentLinkError {
  const b = (body && typeof body === 'object' ? body : {}) as { message?: unknown; errors?: Record<string, unknown> };
  const message = typeof b.message === 'string' ? b.message : typeof body === 'string' && body ? body.slice(0, 200) : `HTTP ${status}`;
  const [field, reasons] = Object.entries(b.errors ?? {})[0] ?? [];
  const reason = Array.isArray(reasons) ? reasons.join(' ') : undefined;
  return new PaymentLinkError('pagarme', `${status} ${message}${field ? ` ${field}: ${reason ?? ''}`.trimEnd() : ''}`, isRetryableStatus(status), status, field);
}
