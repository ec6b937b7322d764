import type { StorePlatform } from '../stores/canonical-event';
import { AsaasPaymentLinks } from './asaas.payment-links';
import { PagarmePaymentLinks } from './pagarme.payment-links';
import type { Gateway, PaymentLinks } from './payment-links';
import type { PaymentsConfig } from './payments.config';

export const PAYMENT_LINK_PLATFORMS: readonly Gateway[] = ['pagarme', 'asaas'];

export const isGateway = (platform: StorePlatform): platform is Gateway => (PAYMENT_LINK_PLATFORMS as readonly string[]).includes(platform);

/**
 * A store's payment links, with the key from its sealed secrets (`api_key`: Pagar.me's secret
 * key `sk_…`, Asaas's API key `$aact_…`); null with the reason when the store cannot make them.
 */
export function storePaymentLinks(platform: StorePlatform, secrets: Record<string, string>, config: PaymentsConfig): PaymentLinks | { unavailable: string } {
  if (!isGateway(platform)) return { unavailable: `a ${platform} store makes no payment links: use a pagarme or asaas store` };
  const key = secrets.api_key;
  if (!key) return { unavailable: `the store has no api_key secret: its ${platform === 'pagarme' ? 'Pagar.me secret key (sk_…)' : 'Asaas API key ($aact_…)'}` };
  return platform === 'pagarme' ? new PagarmePaymentLinks(key, config) : new AsaasPaymentLinks(key, config);
}
