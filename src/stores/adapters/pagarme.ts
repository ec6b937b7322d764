import { createHmac } from 'node:crypto';
import type { CanonicalEvent, PlatformAdapter } from '../canonical-event';
import { readEmail, readMinorMoney, readName, readPhoneObject } from './customer';
import { canonicalEvent, compact, result, secretsEqual } from './event';
import { header, readEvent, Reader } from './read';

/**
 * Pagar.me API v5 webhooks (https://docs.pagar.me/reference/eventos-de-webhook-1,
 * https://docs.pagar.me/reference/exemplo-de-webhook-1): `{ id: "hook_…", account, type,
 * created_at, data }` where data is the order (order.*) or the charge (charge.*). Amounts are
 * integer cents with `currency`; phones are `{ country_code, area_code, number }` objects.
 *
 * One real payment arrives as both order.paid and charge.paid: both become `order_paid` with
 * the same order id (`or_…`), for downstream de-duplication to collapse.
 *
 * Verification, configured per store by `secrets`:
 * - `basic_auth_user` / `basic_auth_password`: the HTTP basic credentials set on the webhook in
 *   the Pagar.me dashboard (v5 webhooks are authenticated this way), checked on `Authorization`;
 * - `signature_secret`: the account's secret key, checked against `X-Hub-Signature`, the hex
 *   HMAC-SHA1 of the raw body (optionally `sha1=`-prefixed), as
 *   https://docs.pagar.me/v1/reference/validando-um-postback documents for postbacks.
 * Every configured check must pass; a store with neither configured accepts nothing.
 */

const TYPES = [
  'order.created',
  'order.paid',
  'order.payment_failed',
  'order.canceled',
  'order.closed',
  'order.updated',
  'charge.created',
  'charge.updated',
  'charge.pending',
  'charge.processing',
  'charge.paid',
  'charge.underpaid',
  'charge.overpaid',
  'charge.partial_canceled',
  'charge.payment_failed',
  'charge.refunded',
  'charge.chargedback',
  'charge.antifraud_approved',
  'charge.antifraud_reproved',
  'charge.antifraud_manual',
  'charge.antifraud_pending',
] as const;

/** Documented types that are steps on the way to one recado already maps (nothing to send). */
const INTERMEDIATE = new Set<string>([
  'order.created',
  'order.closed',
  'order.updated',
  'charge.created',
  'charge.updated',
  'charge.processing',
  'charge.antifraud_approved',
  'charge.antifraud_manual',
  'charge.antifraud_pending',
]);

export const pagarmeAdapter: PlatformAdapter = {
  platform: 'pagarme',
  deliveryHeaders: [],

  verify(rawBody, headers, secrets) {
    const checks: boolean[] = [];
    if (secrets.basic_auth_user !== undefined || secrets.basic_auth_password !== undefined) {
      const expected = `Basic ${Buffer.from(`${secrets.basic_auth_user ?? ''}:${secrets.basic_auth_password ?? ''}`).toString('base64')}`;
      const given = header(headers, 'authorization')?.trim() ?? '';
      checks.push(secretsEqual(given.replace(/^basic\s+/i, 'Basic '), expected));
    }
    if (secrets.signature_secret) {
      const given = header(headers, 'x-hub-signature')?.trim().replace(/^sha1=/i, '').toLowerCase() ?? '';
      const expected = createHmac('sha1', secrets.signature_secret).update(rawBody).digest('hex');
      checks.push(secretsEqual(given, expected));
    }
    return checks.length > 0 && checks.every(Boolean);
  },

  parse(rawBody) {
    const warnings: string[] = [];
    const warn = (m: string) => warnings.push(m);
    const { body, name: type, known } = readEvent(rawBody, ['type', 'event'], TYPES, warn);
    if (!known) return result(warnings, [], [{ platformEventType: type, reason: `Pagar.me webhook type ${type} is not documented for API v5` }]);
    if (INTERMEDIATE.has(type)) return result(warnings);

    const data = body.obj('data') ?? new Reader({}, ['data'], warn);
    const isOrder = type.startsWith('order.');
    const charge = isOrder ? data.list('charges')[0] : data;
    const method = charge?.text('payment_method')?.toLowerCase();
    const transaction = charge?.obj('last_transaction');
    const base = {
      platformEventId: body.id('id') ?? null,
      occurredAt: body.timestamp('created_at') ?? null,
      customer: customerOf(data.obj('customer') ?? charge?.obj('customer')),
      orderId: isOrder ? (data.id('id') ?? null) : (data.obj('order')?.id('id') ?? data.id('id') ?? null),
      amount: readMinorMoney(data, 'amount', data.text('currency') ?? 'BRL'),
      product: (isOrder ? data : data.obj('order'))?.list('items')[0]?.text('description') ?? null,
    };
    const emit = (t: CanonicalEvent['type'], artefacts: CanonicalEvent['artefacts'] = {}) =>
      result(warnings, [canonicalEvent('pagarme', t, type, { ...base, artefacts })]);
    const none = (reason: string) => result(warnings, [], [{ platformEventType: type, reason }]);

    switch (type) {
      case 'order.paid':
      case 'charge.paid':
        return emit('order_paid');
      case 'charge.refunded':
        return emit('refunded');
      case 'order.canceled':
        return emit('order_cancelled');
      case 'order.payment_failed':
      case 'charge.payment_failed':
        if (method === 'credit_card' || method === 'debit_card') return emit('card_declined');
        return none(`a failed ${method ?? 'unknown'} payment has no canonical event`);
      case 'charge.pending':
        if (method === 'boleto') {
          return emit('boleto_issued', compact({ boletoUrl: transaction?.text('url') ?? transaction?.text('pdf'), boletoLine: transaction?.text('line'), dueAt: transaction?.text('due_at') }));
        }
        if (method === 'pix') {
          return emit('pix_issued', compact({ pixCode: transaction?.text('qr_code'), pixExpiresAt: transaction?.timestamp('expires_at'), paymentUrl: transaction?.text('qr_code_url') }));
        }
        return result(warnings); // a card charge waiting for capture: nothing to remind
      default:
        return none(`recado has no canonical event for Pagar.me ${type}`);
    }
  },
};

function customerOf(c: Reader | undefined) {
  const phones = c?.obj('phones');
  return {
    phone: readPhoneObject(phones?.obj('mobile_phone')) ?? readPhoneObject(phones?.obj('home_phone')),
    email: readEmail(c, 'email'),
    name: readName(c, 'name'),
  };
}
