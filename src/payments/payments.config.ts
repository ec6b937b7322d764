import { envReader } from '../config/env-reader';

/**
 * Payment-link settings. Defaults are the gateways' production base URLs; the sandboxes are
 * https://api.pagar.me with a test key (sk_test_…) for Pagar.me and https://api-sandbox.asaas.com
 * for Asaas (documented as https://sandbox.asaas.com/api, which still answers).
 */
export const PAYMENTS_DEFAULTS = {
  PAGARME_API_URL: 'https://api.pagar.me',
  ASAAS_API_URL: 'https://api.asaas.com',
  /** Days until an Asaas payment is due / a Pagar.me checkout expires when the intent gives no date. */
  PAYMENT_LINK_DUE_DAYS: '3',
  PAYMENT_LINK_TIMEOUT: '10s',
} as const;

export interface PaymentsConfig {
  pagarmeApiUrl: string;
  asaasApiUrl: string;
  dueDays: number;
  timeoutMs: number;
}

export function loadPaymentsConfig(env: Record<string, string | undefined> = process.env): PaymentsConfig {
  const r = envReader(env, PAYMENTS_DEFAULTS);
  return {
    pagarmeApiUrl: r.httpUrl('PAGARME_API_URL'),
    asaasApiUrl: r.httpUrl('ASAAS_API_URL'),
    dueDays: r.int('PAYMENT_LINK_DUE_DAYS', 1, 365),
    timeoutMs: r.ms('PAYMENT_LINK_TIMEOUT', 100),
  };
}

/** YYYY-MM-DD, `days` after `now`, in UTC. */
export function dueDateAfter(days: number, now = new Date()): string {
  return new Date(now.getTime() + days * 86_400_000).toISOString().slice(0, 10);
}
