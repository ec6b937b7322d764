/**
 * A payment link pre-filled with the customer's data, on the store's gateway, so a customer who
 * already gave us their name, e-mail and phone types nothing twice.
 */
export interface PaymentLinkRequest {
  /** Our checkout intent's id: the idempotency key towards the gateway. */
  intentId: string;
  customer: { name: string; email: string; /** E.164, e.g. +5521987654321 */ phone: string };
  product: { name: string; code?: string };
  /** Money in minor units (centavos) as a string, so no float ever touches it. */
  amount: { amountMinor: string; currency: string };
  /** YYYY-MM-DD; the gateway's default expiry when absent. */
  dueDate?: string;
}

export interface PaymentLink {
  url: string;
  /** The gateway's id for what was created (Pagar.me order `or_…`, Asaas payment `pay_…`). */
  gatewayReference: string;
}

export interface PaymentLinks {
  createLink(request: PaymentLinkRequest): Promise<PaymentLink>;
}

export type Gateway = 'pagarme' | 'asaas';

/**
 * A failed link creation, classified at the adapter: retryable (429, 5xx, network) or not (other
 * 4xx, or a request we refused to send), with the field the gateway (or we) named when known.
 */
export class PaymentLinkError extends Error {
  constructor(
    readonly gateway: Gateway,
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    readonly field?: string,
  ) {
    super(`${gateway}: ${message}`);
    this.name = 'PaymentLinkError';
  }
}

/** Our own check of what we are about to send: never retryable, names the field. */
export const invalidRequest = (gateway: Gateway, field: string, message: string) => new PaymentLinkError(gateway, `${field} ${message}`, false, undefined, field);

/** Integer centavos from `amountMinor`, BRL only (both gateways settle in reais). */
export function centsOf(gateway: Gateway, amount: PaymentLinkRequest['amount']): number {
  if (amount.currency !== 'BRL') throw invalidRequest(gateway, 'amount.currency', `must be BRL, got "${amount.currency}"`);
  if (!/^[1-9]\d*$/.test(amount.amountMinor)) throw invalidRequest(gateway, 'amount.amountMinor', `must be a positive whole number of centavos, got "${amount.amountMinor}"`);
  const cents = Number(amount.amountMinor);
  if (!Number.isSafeInteger(cents)) throw invalidRequest(gateway, 'amount.amountMinor', 'is too large');
  return cents;
}

/** Brazilian mobile numbers only: +55, a two-digit area code (DDD), 8 or 9 digits. */
export function brazilianPhone(gateway: Gateway, e164: string): { countryCode: string; areaCode: string; number: string } {
  const match = /^\+55([1-9][0-9])(9?\d{8})$/.exec(e164);
  if (!match) throw invalidRequest(gateway, 'customer.phone', `must be a Brazilian E.164 number like +5521987654321, got "${e164}"`);
  return { countryCode: '55', areaCode: match[1], number: match[2] };
}

export function checkCustomer(gateway: Gateway, customer: PaymentLinkRequest['customer']): void {
  if (!customer.name.trim()) throw invalidRequest(gateway, 'customer.name', 'is required');
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(customer.email)) throw invalidRequest(gateway, 'customer.email', `is not an e-mail address: "${customer.email}"`);
}

export function checkDueDate(gateway: Gateway, dueDate: string | undefined): void {
  if (dueDate !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(dueDate)) throw invalidRequest(gateway, 'dueDate', `must be YYYY-MM-DD, got "${dueDate}"`);
}

/** Network failures and timeouts are retryable; the caller's request may or may not have landed. */
export async function callGateway(gateway: Gateway, url: string, init: RequestInit, timeoutMs: number): Promise<{ status: number; body: unknown }> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new PaymentLinkError(gateway, `request failed: ${(err as Error).message}`, true);
  }
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // A proxy's HTML error page: kept as text for the message.
  }
  return { status: res.status, body };
}

/** 429 and 5xx are worth retrying; any other non-2xx is our request's fault. */
export const isRetryableStatus = (status: number) => status === 429 || status >= 500;
