import type { Channel } from '../driver';
import type { MessageCategory } from '../../messages/messages.repository';

/**
 * What one message costs, per channel and category, in one currency. Defaults: Meta's per-message
 * rate card in BRL for Brazil (per-message pricing, in force since 1 July 2025) — marketing and
 * utility templates are charged, free-form messages inside the 24 h customer-service window and
 * service replies are not; e-mail, Telegram and app push cost recado nothing per message.
 * Override with CHANNEL_PRICES (JSON of the same shape) for other markets or newer cards.
 */
export interface PriceTable {
  currency: string;
  whatsapp: {
    /** Template messages, by category (a transactional template is priced as utility). */
    template: Record<'marketing' | 'utility' | 'authentication', number>;
    /** Free-form messages inside the customer-service window. */
    freeForm: number;
  };
  email: number;
  telegram: number;
  app: number;
}

export const DEFAULT_PRICE_TABLE: PriceTable = {
  currency: 'BRL',
  whatsapp: { template: { marketing: 0.3125, utility: 0.034, authentication: 0.034 }, freeForm: 0 },
  email: 0,
  telegram: 0,
  app: 0,
};

/** How a message was priced: the ledger's `pricing` column. */
export type Pricing = 'template' | 'free_form' | 'converted' | 'channel';

export function templatePrice(table: PriceTable, category: MessageCategory): number {
  return category === 'marketing' ? table.whatsapp.template.marketing : table.whatsapp.template.utility;
}

/** The price of one message on `channel`; WhatsApp free-form only inside the window. */
export function priceOf(table: PriceTable, channel: Channel, category: MessageCategory, asTemplate: boolean): number {
  if (channel === 'whatsapp') return asTemplate ? templatePrice(table, category) : table.whatsapp.freeForm;
  return table[channel];
}

/** Checks an override (CHANNEL_PRICES) and names the first bad field. */
export function parsePriceTable(json: string): PriceTable {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new Error(`CHANNEL_PRICES is not JSON: ${(err as Error).message}`);
  }
  const merged = {
    ...DEFAULT_PRICE_TABLE,
    ...(raw as object),
    whatsapp: {
      ...DEFAULT_PRICE_TABLE.whatsapp,
      ...((raw as Partial<PriceTable>).whatsapp ?? {}),
      template: { ...DEFAULT_PRICE_TABLE.whatsapp.template, ...((raw as Partial<PriceTable>).whatsapp?.template ?? {}) },
    },
  } as PriceTable;
  const numbers: Array<[string, unknown]> = [
    ['whatsapp.template.marketing', merged.whatsapp.template.marketing],
    ['whatsapp.template.utility', merged.whatsapp.template.utility],
    ['whatsapp.template.authentication', merged.whatsapp.template.authentication],
    ['whatsapp.freeForm', merged.whatsapp.freeForm],
    ['email', merged.email],
    ['telegram', merged.telegram],
    ['app', merged.app],
  ];
  for (const [field, value] of numbers) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new Error(`CHANNEL_PRICES.${field} must be a number ≥ 0`);
  }
  if (typeof merged.currency !== 'string' || !/^[A-Z]{3}$/.test(merged.currency)) throw new Error('CHANNEL_PRICES.currency must be an ISO 4217 code');
  return merged;
}
