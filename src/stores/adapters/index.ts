import type { PlatformAdapter, StorePlatform } from '../canonical-event';
import { asaasAdapter } from './asaas';
import { genericAdapter } from './generic';
import { hotmartAdapter } from './hotmart';
import { pagarmeAdapter } from './pagarme';
import { shopifyAdapter } from './shopify';

/** One adapter per platform; adding a platform is one file here and its tests. */
export const PLATFORM_ADAPTERS: Record<StorePlatform, PlatformAdapter> = {
  shopify: shopifyAdapter,
  hotmart: hotmartAdapter,
  pagarme: pagarmeAdapter,
  asaas: asaasAdapter,
  generic: genericAdapter,
};
