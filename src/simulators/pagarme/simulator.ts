import { randomBytes } from 'node:crypto';
import type { WebhookRetryPolicy } from '../webhook-sender';
import { PagarmeWebhooks } from './webhooks';

/**
 * Pagar.me v5 Checkout API, in memory: `POST /core/v5/orders` with a `checkout` payment, the
 * documented validation (422 `{"message":"The request is invalid.","errors":{field:[…]}}`),
 * Basic auth with the secret key (401 `{"message":"Authorization has been denied for this request."}`),
 * `Idempotency-Key` replays, and the customer paying: `receivePayment(id)` closes the order once
 * and sends `order.paid` then `charge.paid` to the configured webhooks (see webhooks.ts).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- request bodies are checked field by field below
type Json = Record<string, any>;
export interface SimResponse { status: number; body: unknown }

// Pagar.me ids are a prefix and 16 letters or digits (`or_ZdnB5BBCmYhk534R`).
const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;
const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
const invalid = (errors: Record<string, string[]>): SimResponse => ({ status: 422, body: { message: 'The request is invalid.', errors } });

export class PagarmeSimulator {
  readonly orders = new Map<string, Json>();
  private readonly byIdempotencyKey = new Map<string, SimResponse>();
  readonly webhooks: PagarmeWebhooks;
  /** The merchant account every hook names. */
  readonly account = { id: id('acc'), name: 'Simulador' };
  /** The hooks each paid order produced, so paying twice sends nothing new. */
  private readonly paidHooks = new Map<string, Json[]>();
  private faults: number[] = [];
  baseUrl = '';

  constructor(readonly secretKey = 'sk_test_simulator', options: { webhookRetry?: Partial<WebhookRetryPolicy>; fetch?: typeof fetch } = {}) {
    this.webhooks = new PagarmeWebhooks({ retry: options.webhookRetry, fetch: options.fetch });
  }

  /** The next `count` requests answer `status` (e.g. 500, 429) without doing anything. */
  failNext(status: number, count = 1): void {
    for (let i = 0; i < count; i++) this.faults.push(status);
  }

  createOrder(authorization: string | undefined, idempotencyKey: string | undefined, body: unknown): SimResponse {
    const expected = `Basic ${Buffer.from(`${this.secretKey}:`).toString('base64')}`;
    if (authorization !== expected) return { status: 401, body: { message: 'Authorization has been denied for this request.' } };
    const fault = this.faults.shift();
    if (fault) return { status: fault, body: { message: fault === 429 ? 'Too Many Requests' : 'An error has occurred.' } };
    if (idempotencyKey && this.byIdempotencyKey.has(idempotencyKey)) return this.byIdempotencyKey.get(idempotencyKey)!;
    const answer = this.validateAndCreate((body ?? {}) as Json);
    if (idempotencyKey && answer.status === 200) this.byIdempotencyKey.set(idempotencyKey, answer);
    return answer;
  }

  private validateAndCreate(b: Json): SimResponse {
    const errors: Record<string, string[]> = {};
    const need = (ok: boolean, field: string, msg: string) => { if (!ok) (errors[field] ??= []).push(msg); };
    need(Array.isArray(b.items) && b.items.length > 0, 'order.items', 'The items field is required.');
    (Array.isArray(b.items) ? b.items : []).forEach((item: Json, i: number) => {
      need(Number.isInteger(item.amount) && item.amount > 0, `order.items[${i}].amount`, 'The field amount must be an integer greater than 0.');
      need(typeof item.description === 'string' && item.description !== '', `order.items[${i}].description`, 'The description field is required.');
      need(Number.isInteger(item.quantity) && item.quantity > 0, `order.items[${i}].quantity`, 'The field quantity must be greater than 0.');
    });
    const c = b.customer as Json | undefined;
    if (!c && !b.customer_id) return { status: 404, body: { message: 'Customer not found.' } };
    if (c) {
      need(typeof c.name === 'string' && c.name.trim() !== '', 'order.customer.name', 'The name field is required.');
      need(typeof c.email === 'string' && /^[^\s@]+@[^\s@]+$/.test(c.email), 'order.customer.email', 'The email field is not a valid e-mail address.');
      const mobile = c.phones?.mobile_phone as Json | undefined;
      if (mobile) {
        need(/^\d{1,3}$/.test(String(mobile.country_code ?? '')), 'order.customer.phones.mobile_phone.country_code', 'The field country_code must be numeric.');
        need(/^\d{2}$/.test(String(mobile.area_code ?? '')), 'order.customer.phones.mobile_phone.area_code', 'The field area_code must have 2 digits.');
        need(/^\d{8,9}$/.test(String(mobile.number ?? '')), 'order.customer.phones.mobile_phone.number', 'The field number must have 8 or 9 digits.');
      }
    }
    const payment = Array.isArray(b.payments) ? (b.payments[0] as Json | undefined) : undefined;
    need(payment !== undefined, 'order.payments', 'The payments field is required.');
    if (payment) {
      need(['checkout', 'credit_card', 'boleto', 'pix'].includes(payment.payment_method), 'order.payments[0].payment_method', 'The payment_method field is invalid.');
      if (payment.payment_method === 'checkout') {
        const methods = payment.checkout?.accepted_payment_methods;
        need(Array.isArray(methods) && methods.length > 0, 'order.payments[0].checkout.accepted_payment_methods', 'The accepted_payment_methods field is required.');
      }
    }
    if (Object.keys(errors).length) return invalid(errors);
    const total = (b.items as Json[]).reduce((sum, item) => sum + item.amount * item.quantity, 0);
    if (payment && payment.amount !== undefined && payment.amount !== total) return invalid({ 'order.payments[0].amount': ['The payments amount must match the order amount.'] });

    const at = now();
    const orderId = id('or');
    const checkoutId = id('chk');
    const customer = c ? { id: id('cus'), name: c.name, email: c.email, type: c.type ?? 'individual', delinquent: false, created_at: at, updated_at: at, phones: c.phones ?? {} } : { id: b.customer_id };
    const order: Json = {
      id: orderId,
      code: b.code ?? orderId.slice(3, 13).toUpperCase(),
      amount: total,
      currency: 'BRL',
      closed: false,
      items: (b.items as Json[]).map((item) => ({ id: id('oi'), ...item, status: 'active', created_at: at, updated_at: at })),
      customer,
      status: 'pending',
      created_at: at,
      updated_at: at,
      checkouts: [
        {
          id: checkoutId,
          amount: total,
          status: 'open',
          success_url: payment?.checkout?.success_url ?? null,
          payment_url: `${this.baseUrl}/pay/${checkoutId}`,
          customer_editable: payment?.checkout?.customer_editable ?? false,
          billing_address_editable: payment?.checkout?.billing_address_editable ?? false,
          accepted_payment_methods: payment?.checkout?.accepted_payment_methods ?? [],
          currency: 'BRL',
          created_at: at,
          updated_at: at,
          customer,
        },
      ],
    };
    this.orders.set(orderId, order);
    return { status: 200, body: order };
  }

  findCheckout(checkoutId: string): { order: Json; checkout: Json } | undefined {
    for (const order of this.orders.values()) {
      const checkout = (order.checkouts as Json[]).find((k) => k.id === checkoutId);
      if (checkout) return { order, checkout };
    }
    return undefined;
  }

  /**
   * The customer pays (the checkout page's button, or the control API): the order is paid by card
   * and closed, and its `order.paid` then `charge.paid` hooks go to the configured webhooks in the
   * background. An order already paid sends nothing again (`alreadyPaid`); `hooks` are its bodies,
   * shaped like test/fixtures/stores/pagarme/order-paid.json and stone-connect-charge-paid.json.
   */
  receivePayment(orderId: string): { alreadyPaid: boolean; hooks: Json[] } {
    const order = this.orders.get(orderId);
    if (!order) throw new Error(`no order ${orderId}`);
    const earlier = this.paidHooks.get(orderId);
    if (earlier) return { alreadyPaid: true, hooks: earlier };
    const at = now();
    Object.assign(order, { status: 'paid', closed: true, updated_at: at, closed_at: at });
    const charge: Json = {
      id: id('ch'), code: order.code, gateway_id: randomBytes(16).toString('hex'), amount: order.amount, paid_amount: order.amount, status: 'paid', currency: 'BRL',
      payment_method: 'credit_card', paid_at: at, created_at: at, updated_at: at, customer: order.customer,
      last_transaction: { id: id('tran'), transaction_type: 'credit_card', gateway_id: randomBytes(16).toString('hex'), amount: order.amount, status: 'captured', success: true, installments: 1 },
    };
    order.charges = [charge];
    (order.checkouts as Json[])[0].status = 'closed';
    // The order hook carries the charges, not the checkout; the charge hook a summary of its order.
    const orderData = { ...order };
    delete orderData.checkouts;
    const orderSummary = { id: order.id, code: order.code, amount: order.amount, closed: true, created_at: order.created_at, updated_at: at, currency: 'BRL', status: 'paid', customer_id: order.customer.id, metadata: {} };
    const hook = (type: string, data: Json) => ({ id: id('hook'), account: this.account, type, created_at: at.replace(/Z$/, ''), data });
    const hooks = [hook('order.paid', orderData), hook('charge.paid', { ...charge, pending_cancellation: false, order: orderSummary, metadata: {} })];
    this.paidHooks.set(orderId, hooks);
    this.webhooks.send(hooks as Array<Json & { type: string }>);
    return { alreadyPaid: false, hooks };
  }

  /** Pays (once) and returns the `order.paid` webhook. */
  pay(orderId: string): Json {
    return this.receivePayment(orderId).hooks[0];
  }

  isPaid(orderId: string): boolean {
    return this.paidHooks.has(orderId);
  }

  close(): void {
    this.webhooks.sender.close();
  }
}
