/**
 * What every store platform's webhook becomes: a canonical event. Platform adapters
 * (src/stores/adapters/<platform>.ts, one file each) read the platforms' payloads as they are
 * sent and produce these; funnels, templates and statistics only ever see canonical events.
 */

export const STORE_PLATFORMS = ['shopify', 'hotmart', 'pagarme', 'asaas', 'generic'] as const;
export type StorePlatform = (typeof STORE_PLATFORMS)[number];

export const CANONICAL_EVENT_TYPES = [
  'cart_abandoned',
  'boleto_issued',
  'boleto_printed',
  'pix_issued',
  'card_declined',
  'payment_approved',
  'order_paid',
  'order_shipped',
  'order_delivered',
  'refunded',
  /** An order cancelled, or a boleto / PIX charge expired or removed, unpaid: its payment reminders end. */
  'order_cancelled',
  'subscription_late',
  'subscription_cancelled',
  'subscription_renewed',
  'custom',
] as const;
export type CanonicalEventType = (typeof CANONICAL_EVENT_TYPES)[number];

export interface CanonicalCustomer {
  /** E.164 (+5511987654321), normalised with the platform's country conventions; null when absent or unreadable. */
  phone: string | null;
  /** Lower-case. */
  email: string | null;
  name: string | null;
}

/** Money in integer minor units, as a decimal string (lossless), with its ISO 4217 currency. */
export interface Money {
  amountMinor: string;
  currency: string;
}

export interface PaymentArtefacts {
  boletoUrl?: string;
  /** The boleto's digitable line (linha digitável). */
  boletoLine?: string;
  /** PIX copy-and-paste code (BR Code). */
  /** A boleto's due date (ISO 8601 date or date-time), when the platform says. */
  dueAt?: string;
  pixCode?: string;
  pixExpiresAt?: string;
  paymentUrl?: string;
  checkoutUrl?: string;
  trackingCode?: string;
  trackingUrl?: string;
}

export interface CanonicalEvent {
  type: CanonicalEventType;
  platform: StorePlatform;
  /** The platform's id for this delivery or event, where it has one (its natural de-duplication key). */
  platformEventId: string | null;
  /** The platform's own name for what happened (e.g. PURCHASE_BILLET_PRINTED, orders/paid, charge.paid). */
  platformEventType: string;
  /** ISO 8601, when the platform says. */
  occurredAt: string | null;
  customer: CanonicalCustomer;
  /** Ids as strings, never numbers: some exceed 2^53. */
  orderId: string | null;
  cartId: string | null;
  amount: Money | null;
  product: string | null;
  artefacts: PaymentArtefacts;
  /** `custom` events: the automation's variables. */
  variables?: Record<string, string>;
}

/** One platform payload read: the events it maps to, what it holds that maps to none, and normalisations made. */
export interface AdapterResult {
  events: CanonicalEvent[];
  /** Platform event types recado has no canonical event for: kept, counted per store and type. */
  unmapped: Array<{ platformEventType: string; reason: string }>;
  warnings: string[];
}

export class InvalidStorePayloadError extends Error {
  override readonly name = 'InvalidStorePayloadError';
}

export interface PlatformAdapter {
  readonly platform: StorePlatform;
  /** Request headers (lower-case) `parse` reads besides the body (Shopify's X-Shopify-Topic…); kept with the delivery. */
  readonly deliveryHeaders: readonly string[];
  /**
   * Authenticates a delivery the platform's own way (Shopify's HMAC of the raw body, Hotmart's
   * hottok header, Asaas's access token header, Pagar.me as documented); false → 401, nothing stored.
   */
  verify(rawBody: Buffer, headers: Record<string, string | undefined>, secrets: Record<string, string>): boolean;
  /** Liberal in. Throws InvalidStorePayloadError only when nothing in the body can be read. */
  parse(rawBody: string, headers: Record<string, string | undefined>): AdapterResult;
}
