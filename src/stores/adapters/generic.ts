import { SIGNATURE_HEADER, verifyPushSignature } from '../../channels/app/push-signature';
import { CANONICAL_EVENT_TYPES, type Money, type PaymentArtefacts, type PlatformAdapter } from '../canonical-event';
import { readDecimalMoney, readEmail, readMinorMoney, readName, readPhone } from './customer';
import { canonicalEvent, compact, result } from './event';
import { header, JsonNumber, readEvent, Reader } from './read';

/**
 * recado's own JSON format for any system that is not one of the platforms (automation tools,
 * CRMs, custom shops): documented in ./GENERIC.md. Signed like everything recado and a business's
 * systems exchange: X-Recado-Signature `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`
 * keyed with the store's `secrets.signing_secret` (src/channels/app/push-signature.ts).
 */

/** How far a signature's timestamp may be from now; a store may set `secrets.signature_tolerance_seconds`. */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

const ARTEFACTS: Array<[keyof PaymentArtefacts, string]> = [
  ['boletoUrl', 'boleto_url'],
  ['boletoLine', 'boleto_line'],
  ['dueAt', 'due_at'],
  ['pixCode', 'pix_code'],
  ['pixExpiresAt', 'pix_expires_at'],
  ['paymentUrl', 'payment_url'],
  ['checkoutUrl', 'checkout_url'],
  ['trackingCode', 'tracking_code'],
  ['trackingUrl', 'tracking_url'],
];

export const genericAdapter: PlatformAdapter = {
  platform: 'generic',
  deliveryHeaders: [],

  verify(rawBody, headers, secrets) {
    if (!secrets.signing_secret) return false;
    const tolerance = Number(secrets.signature_tolerance_seconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS);
    const check = verifyPushSignature(header(headers, SIGNATURE_HEADER), rawBody, secrets.signing_secret, {
      toleranceSeconds: Number.isFinite(tolerance) && tolerance > 0 ? tolerance : DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
    });
    return check.ok;
  },

  parse(rawBody) {
    const warnings: string[] = [];
    const warn = (m: string) => warnings.push(m);
    const { body, sent, name: type, known } = readEvent(rawBody, ['event', 'type'], CANONICAL_EVENT_TYPES, warn);
    if (!known) return result(warnings, [], [{ platformEventType: type, reason: `${type} is not one of recado's event types (see GENERIC.md)` }]);

    const customer = body.obj('customer');
    const country = customer?.text('country');
    const artefactsIn = body.obj('artefacts');
    const artefacts: PaymentArtefacts = {};
    for (const [canonical, snake] of ARTEFACTS) {
      const value = artefactsIn?.text(snake) ?? artefactsIn?.text(canonical);
      if (value) artefacts[canonical] = value;
    }
    return result(warnings, [
      canonicalEvent('generic', type as (typeof CANONICAL_EVENT_TYPES)[number], sent, {
        platformEventId: body.id('id') ?? null,
        occurredAt: body.timestamp('occurred_at') ?? null,
        customer: {
          phone: readPhone(customer, 'phone', country),
          email: readEmail(customer, 'email'),
          name: readName(customer, 'name'),
        },
        orderId: body.id('order_id') ?? null,
        cartId: body.id('cart_id') ?? null,
        amount: amountOf(body),
        product: body.text('product') ?? null,
        artefacts: compact(artefacts),
        ...(body.has('variables') ? { variables: variablesOf(body) } : {}),
      }),
    ]);
  },
};

/** `amount.value` is decimal major units ("199.90" or 199.9); `amount.minor` integer minor units (19990). */
function amountOf(body: Reader): Money | null {
  const amount = body.obj('amount');
  if (!amount) return null;
  const currency = amount.text('currency');
  if (amount.has('minor')) return readMinorMoney(amount, 'minor', currency);
  if (amount.has('value')) return readDecimalMoney(amount, 'value', currency, { stringExpected: true });
  amount.note('value', 'missing (give value or minor); amount left empty');
  return null;
}

/** Template variables as text: numbers and booleans are written as sent, objects are skipped. */
function variablesOf(body: Reader): Record<string, string> {
  const vars = body.obj('variables');
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(vars?.raw ?? {})) {
    if (typeof value === 'string') out[key] = value;
    else if (value instanceof JsonNumber) out[key] = value.text;
    else if (typeof value === 'boolean') out[key] = String(value);
    else if (value !== null) vars?.note(key, 'ignored: a variable must be text, a number or a boolean');
  }
  return out;
}
