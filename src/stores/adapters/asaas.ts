import type { CanonicalEvent, PlatformAdapter } from '../canonical-event';
import { readDecimalMoney, readEmail, readName, readPhone } from './customer';
import { canonicalEvent, compact, headerTokenMatches, result } from './event';
import { readEvent, Reader } from './read';

/**
 * Asaas payment webhooks (https://docs.asaas.com/docs/webhook-para-cobrancas):
 * `{ id: "evt_…", event, dateCreated: "2024-06-12 16:45:03", payment: { id: "pay_…", customer:
 * "cus_…", billingType, value: 150.9, … } }`. Values are decimal reais; the customer is only an
 * id (name, e-mail and phone are not in the payload, so they stay empty, reported once).
 *
 * The payment id is the order id of every event, so a boleto's PAYMENT_CREATED, its
 * PAYMENT_CONFIRMED and its PAYMENT_RECEIVED (Asaas documents both for one payment) share it:
 * both paid events become `order_paid` for downstream de-duplication to collapse.
 *
 * Verification (https://docs.asaas.com/docs/receba-eventos-do-asaas-no-seu-endpoint-de-webhook):
 * the `asaas-access-token` header carries the token set on the webhook (`secrets.access_token`).
 */

const EVENTS = [
  'PAYMENT_CREATED',
  'PAYMENT_AWAITING_RISK_ANALYSIS',
  'PAYMENT_APPROVED_BY_RISK_ANALYSIS',
  'PAYMENT_REPROVED_BY_RISK_ANALYSIS',
  'PAYMENT_AUTHORIZED',
  'PAYMENT_UPDATED',
  'PAYMENT_CONFIRMED',
  'PAYMENT_RECEIVED',
  'PAYMENT_CREDIT_CARD_CAPTURE_REFUSED',
  'PAYMENT_ANTICIPATED',
  'PAYMENT_OVERDUE',
  'PAYMENT_DELETED',
  'PAYMENT_RESTORED',
  'PAYMENT_REFUNDED',
  'PAYMENT_PARTIALLY_REFUNDED',
  'PAYMENT_REFUND_IN_PROGRESS',
  'PAYMENT_RECEIVED_IN_CASH_UNDONE',
  'PAYMENT_CHARGEBACK_REQUESTED',
  'PAYMENT_CHARGEBACK_DISPUTE',
  'PAYMENT_AWAITING_CHARGEBACK_REVERSAL',
  'PAYMENT_DUNNING_RECEIVED',
  'PAYMENT_DUNNING_REQUESTED',
  'PAYMENT_BANK_SLIP_VIEWED',
  'PAYMENT_CHECKOUT_VIEWED',
  'PAYMENT_SPLIT_CANCELLED',
  'PAYMENT_SPLIT_DIVERGENCE_BLOCK',
  'PAYMENT_SPLIT_DIVERGENCE_BLOCK_FINISHED',
] as const;

/** Steps that ask for no message (the payment's own created / paid events carry what matters). */
const INTERMEDIATE = new Set<string>([
  'PAYMENT_AWAITING_RISK_ANALYSIS',
  'PAYMENT_APPROVED_BY_RISK_ANALYSIS',
  'PAYMENT_AUTHORIZED',
  'PAYMENT_UPDATED',
  'PAYMENT_ANTICIPATED',
  'PAYMENT_BANK_SLIP_VIEWED',
  'PAYMENT_CHECKOUT_VIEWED',
  'PAYMENT_SPLIT_CANCELLED',
  'PAYMENT_SPLIT_DIVERGENCE_BLOCK',
  'PAYMENT_SPLIT_DIVERGENCE_BLOCK_FINISHED',
]);

export const asaasAdapter: PlatformAdapter = {
  platform: 'asaas',
  deliveryHeaders: [],

  verify(_rawBody, headers, secrets) {
    return headerTokenMatches(headers, 'asaas-access-token', secrets.access_token);
  },

  parse(rawBody) {
    const warnings: string[] = [];
    const warn = (m: string) => warnings.push(m);
    const { body, name: event, known } = readEvent(rawBody, ['event'], EVENTS, warn);
    if (!known) return result(warnings, [], [{ platformEventType: event, reason: `Asaas event ${event} is not a documented payment event` }]);
    if (INTERMEDIATE.has(event)) return result(warnings);

    const payment = body.obj('payment') ?? new Reader({}, ['payment'], warn);
    const billingType = payment.text('billingType')?.toUpperCase();
    const base = {
      platformEventId: body.id('id') ?? null,
      occurredAt: asaasTime(body.text('dateCreated')),
      customer: customerOf(payment),
      orderId: payment.id('id') ?? null,
      amount: readDecimalMoney(payment, 'value', 'BRL'),
      product: payment.text('description') ?? null,
    };
    const invoiceUrl = payment.text('invoiceUrl');
    const emit = (type: CanonicalEvent['type'], artefacts: CanonicalEvent['artefacts'] = {}) =>
      result(warnings, [canonicalEvent('asaas', type, event, { ...base, artefacts: compact({ paymentUrl: invoiceUrl, ...artefacts }) })]);
    const none = (reason: string) => result(warnings, [], [{ platformEventType: event, reason }]);

    switch (event) {
      case 'PAYMENT_CREATED':
        if (billingType === 'BOLETO') return emit('boleto_issued', compact({ boletoUrl: payment.text('bankSlipUrl'), dueAt: payment.text('dueDate') }));
        if (billingType === 'PIX') return emit('pix_issued');
        // A card charge is settled at checkout and UNDEFINED lets the customer choose on the
        // invoice page: neither is a slip or a code to remind about.
        return result(warnings);
      case 'PAYMENT_CONFIRMED':
      case 'PAYMENT_RECEIVED':
        return emit('order_paid');
      case 'PAYMENT_REFUNDED':
        return emit('refunded');
      case 'PAYMENT_DELETED':
        // A charge removed (by hand, or with the subscription or installment plan it belonged to).
        return emit('order_cancelled');
      case 'PAYMENT_CREDIT_CARD_CAPTURE_REFUSED':
      case 'PAYMENT_REPROVED_BY_RISK_ANALYSIS':
        return emit('card_declined');
      case 'PAYMENT_OVERDUE':
        // A subscription's overdue charge is a late subscription. A one-off boleto / PIX past its
        // due date is already covered by its funnel's tail, so it is kept as unmapped, not sent.
        if (payment.has('subscription')) return emit('subscription_late', billingType === 'BOLETO' ? { boletoUrl: payment.text('bankSlipUrl') } : {});
        return none('an overdue one-off charge has no canonical event (its boleto / PIX funnel runs past the due date)');
      default:
        return none(`recado has no canonical event for Asaas ${event}`);
    }
  },
};

function customerOf(payment: Reader) {
  // Asaas documents the customer as its id ("cus_…"); an expanded object is read when sent.
  const customer = typeof payment.raw.customer === 'object' ? payment.obj('customer') : undefined;
  if (customer) {
    return { phone: readPhone(customer, 'mobilePhone') ?? readPhone(customer, 'phone'), email: readEmail(customer, 'email'), name: readName(customer, 'name') };
  }
  const id = payment.text('customer');
  payment.note('customer', `sent as the id ${id ?? '(none)'}: name, e-mail and phone are not in the payload; customer left empty`);
  return { phone: null, email: null, name: null };
}

/** Asaas writes "2024-06-12 16:45:03" in Brasília time (UTC-3, no daylight saving since 2019). */
function asaasTime(value: string | undefined): string | null {
  if (!value) return null;
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})$/.exec(value);
  return m ? `${m[1]}T${m[2]}-03:00` : value;
}
