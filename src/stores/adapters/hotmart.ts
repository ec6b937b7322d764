import type { CanonicalEvent, PlatformAdapter } from '../canonical-event';
import { readDecimalMoney, readEmail, readName, readPhone } from './customer';
import { canonicalEvent, compact, headerTokenMatches, result } from './event';
import { readEvent, Reader } from './read';

/**
 * Hotmart webhooks v2.0.0 (https://developers.hotmart.com/docs/en/2.0.0/webhook/purchase-webhook/):
 * `{ id, creation_date (epoch ms), event, version, data: { product, buyer, purchase, subscription… } }`.
 * The delivery `id` is the event id; purchase.transaction (HP…) is the order. Prices are decimal
 * major units (`price.value` 149.5 with `currency_value` "BRL").
 *
 * Verification (https://developers.hotmart.com/docs/en/1.0.0/webhook/using-webhook/): every
 * delivery carries the product's hottok in the X-HOTMART-HOTTOK header (`secrets.hottok`).
 */

const EVENTS = [
  'PURCHASE_BILLET_PRINTED',
  'PURCHASE_APPROVED',
  'PURCHASE_COMPLETE',
  'PURCHASE_CANCELED',
  'PURCHASE_REFUNDED',
  'PURCHASE_DELAYED',
  'PURCHASE_CHARGEBACK',
  'PURCHASE_PROTEST',
  'PURCHASE_EXPIRED',
  'PURCHASE_OUT_OF_SHOPPING_CART',
  'SUBSCRIPTION_CANCELLATION',
  'SWITCH_PLAN',
  'UPDATE_SUBSCRIPTION_CHARGE_DATE',
  'CLUB_FIRST_ACCESS',
  'CLUB_MODULE_COMPLETED',
] as const;

/** Hotmart events recado sends nothing for, and why (kept as unmapped, counted per store). */
const NO_CANONICAL: Record<string, string> = {
  PURCHASE_CHARGEBACK: 'recado has no canonical event for a chargeback',
  PURCHASE_PROTEST: 'recado has no canonical event for a refund request (protest)',
  SWITCH_PLAN: 'recado has no canonical event for a subscription plan change',
  UPDATE_SUBSCRIPTION_CHARGE_DATE: 'recado has no canonical event for a changed charge date',
  CLUB_FIRST_ACCESS: 'members-area events have no canonical event',
  CLUB_MODULE_COMPLETED: 'members-area events have no canonical event',
};

export const hotmartAdapter: PlatformAdapter = {
  platform: 'hotmart',
  deliveryHeaders: [],

  verify(_rawBody, headers, secrets) {
    return headerTokenMatches(headers, 'x-hotmart-hottok', secrets.hottok);
  },

  parse(rawBody) {
    const warnings: string[] = [];
    const warn = (m: string) => warnings.push(m);
    const { body, name: event, known } = readEvent(rawBody, ['event'], EVENTS, warn);
    if (!known) return result(warnings, [], [{ platformEventType: event, reason: `Hotmart event ${event} is not documented in webhook v2.0.0` }]);
    const version = body.text('version');
    if (version && !version.startsWith('2.')) warn(`version: ${version} read as 2.0.0`);

    const data = body.obj('data') ?? new Reader({}, ['data'], warn);
    const purchase = data.obj('purchase');
    const payment = purchase?.obj('payment');
    const paymentType = payment?.text('type')?.toUpperCase();
    const base = {
      platformEventId: body.id('id') ?? null,
      occurredAt: body.timestamp('creation_date') ?? null,
      customer: customerOf(data),
      orderId: purchase?.id('transaction') ?? null,
      amount: priceOf(purchase),
      product: data.obj('product')?.text('name') ?? null,
    };
    const emit = (type: CanonicalEvent['type'], artefacts: CanonicalEvent['artefacts'] = {}) =>
      result(warnings, [canonicalEvent('hotmart', type, event, { ...base, artefacts })]);

    switch (event) {
      case 'PURCHASE_BILLET_PRINTED':
        // Hotmart reports a generated PIX under the same event, told apart by payment.type.
        if (paymentType === 'PIX') return emit('pix_issued', pixArtefacts(payment));
        return emit('boleto_printed', compact({ boletoUrl: payment?.text('billet_url'), boletoLine: payment?.text('billet_barcode') }));
      case 'PURCHASE_APPROVED':
        // Each recurring charge of a subscription arrives as an approved purchase; the first is the sale.
        return emit(recurrence(purchase) > 1 ? 'subscription_renewed' : 'payment_approved');
      case 'PURCHASE_COMPLETE':
        return emit('order_paid');
      case 'PURCHASE_REFUNDED':
        return emit('refunded');
      case 'PURCHASE_DELAYED':
        return emit('subscription_late');
      case 'PURCHASE_CANCELED':
        if (paymentType === 'CREDIT_CARD' && payment?.has('refusal_reason')) return emit('card_declined');
        return emit('order_cancelled');
      case 'PURCHASE_EXPIRED':
        // A boleto / PIX not paid in time: the purchase no longer exists, its reminders end.
        return emit('order_cancelled');
      case 'PURCHASE_OUT_OF_SHOPPING_CART':
        return result(warnings, [
          canonicalEvent('hotmart', 'cart_abandoned', event, {
            ...base,
            cartId: data.obj('offer')?.text('code') ?? null,
            artefacts: compact({ checkoutUrl: data.text('checkout_url') }),
          }),
        ]);
      case 'SUBSCRIPTION_CANCELLATION':
        return emit('subscription_cancelled');
    }
    return result(warnings, [], [{ platformEventType: event, reason: NO_CANONICAL[event] ?? `recado has no canonical event for ${event}` }]);
  },
};

function customerOf(data: Reader) {
  // Purchases name a buyer; subscription events a subscriber.
  const person = data.obj('buyer') ?? data.obj('subscriber') ?? data.obj('subscription')?.obj('subscriber');
  const country = person?.obj('address')?.text('country_iso') ?? data.obj('purchase')?.obj('checkout_country')?.text('iso');
  return {
    phone: readPhone(person, 'checkout_phone', country) ?? readPhone(person, 'phone', country) ?? readPhone(person, 'cell_phone', country),
    email: readEmail(person, 'email'),
    name: readName(person, 'name') ?? readName(person, 'first_name', 'last_name'),
  };
}

function priceOf(purchase: Reader | undefined) {
  const price = purchase?.obj('price') ?? purchase?.obj('full_price');
  return price ? readDecimalMoney(price, 'value', price.text('currency_value') ?? price.text('currency_code')) : null;
}

function pixArtefacts(payment: Reader | undefined) {
  return compact({ pixCode: payment?.text('pix_code'), pixExpiresAt: payment?.timestamp('pix_expiration_date') });
}

function recurrence(purchase: Reader | undefined): number {
  const n = purchase?.decimal('recurrence_number');
  return n && /^\d+$/.test(n) ? Number(n) : 1;
}
