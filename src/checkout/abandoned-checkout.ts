import type { CanonicalEvent } from '../stores/canonical-event';
import type { CheckoutIntentRow } from './model';

/**
 * An unpaid checkout as the store's funnels see it: a `cart_abandoned` event whose cart is the
 * intent, carrying the payment link (`{{checkout_url}}` in templates) so the reminder takes the
 * customer straight back to the pre-filled payment page.
 */
export function abandonedCheckoutEvent(intent: CheckoutIntentRow): CanonicalEvent {
  return {
    type: 'cart_abandoned',
    platform: intent.gateway,
    platformEventId: `checkout-intent:${intent.id}`,
    platformEventType: 'recado.checkout_abandoned',
    occurredAt: intent.abandon_at.toISOString(),
    customer: { phone: intent.phone, email: intent.email, name: intent.name },
    orderId: intent.gateway_reference,
    cartId: intent.id,
    amount: { amountMinor: intent.amount_minor, currency: intent.currency },
    product: intent.plan ? `${intent.product} — ${intent.plan}` : intent.product,
    artefacts: intent.payment_url ? { checkoutUrl: intent.payment_url, paymentUrl: intent.payment_url } : {},
  };
}
