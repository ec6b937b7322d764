/**
 * The reference month the cost bench replays: generated from a documented mix with a seeded
 * generator, so every run replays the same month. Every share is an environment variable.
 *
 *   CONTACTS (2000)             contacts of one shop
 *   MESSAGES (30000)            messages in the month (~1,000 a day)
 *   APP_SHARE (0.35)            contacts with the shop's app installed (a device token)
 *   WINDOW_SHARE (0.30)         sends while the contact's 24 h WhatsApp window is open
 *   EMAIL_SHARE (0.90)          contacts with an e-mail address (a shop's checkout asks for one)
 *   TELEGRAM_SHARE (0.10)       contacts who talk to the shop's Telegram bot
 *   OPT_OUT_SHARE (0.03)        contacts who opted out of marketing on WhatsApp
 *   mix: marketing 45 %, utility 35 %, transactional 15 %, service replies 5 %
 *   failures that force a fallback (injected on steps that have a next one; FAILURES_ON_LAST_STEP=1
 *   injects them everywhere): app push token gone 6 %, WhatsApp send refused 1 %, WhatsApp
 *   accepted but no delivery receipt in time 2 %, e-mail bounce 3 %
 */
import type { MessageCategory } from '../../src/messages/messages.repository';
import type { ContactReach } from '../../src/channels/routing/plan';
import { seeded } from './stats';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

export const MIX = {
  contacts: num('CONTACTS', 2000),
  messages: num('MESSAGES', 30000),
  appShare: num('APP_SHARE', 0.35),
  windowShare: num('WINDOW_SHARE', 0.3),
  emailShare: num('EMAIL_SHARE', 0.9),
  telegramShare: num('TELEGRAM_SHARE', 0.1),
  optOutShare: num('OPT_OUT_SHARE', 0.03),
  categories: [
    ['marketing', 0.45],
    ['utility', 0.35],
    ['transactional', 0.15],
    ['service_reply', 0.05],
  ] as Array<[MessageCategory, number]>,
  failures: { appTokenGone: 0.06, whatsappRefused: 0.01, whatsappNoReceipt: 0.02, emailBounce: 0.03 },
};


export interface MonthMessage {
  id: number;
  contact: number;
  category: MessageCategory;
  /** The contact's WhatsApp window is open at the send. */
  windowOpen: boolean;
  at: number;
}

export interface ReferenceMonth {
  start: number;
  contacts: ContactReach[];
  messages: MonthMessage[];
}

const DAY = 86_400_000;

export function referenceMonth(seed = 20261201): ReferenceMonth {
  const random = seeded(seed);
  const start = Date.parse('2026-12-01T00:00:00Z');
  const contacts: ContactReach[] = Array.from({ length: MIX.contacts }, (_, i) => ({
    whatsapp: `55119${String(10_000_000 + i)}`,
    email: random() < MIX.emailShare ? `cliente${i}@example.com` : undefined,
    telegram: random() < MIX.telegramShare ? String(700_000_000 + i) : undefined,
    app: `app-user-${i}`,
    appInstalled: random() < MIX.appShare,
    optIns: (random() < MIX.optOutShare ? { 'whatsapp.marketing': false } : {}) as Record<string, boolean>,
    lastInboundByNumber: {},
  }));
  const pickCategory = () => {
    let r = random();
    for (const [category, share] of MIX.categories) {
      if ((r -= share) < 0) return category;
    }
    return MIX.categories[0][0];
  };
  const messages: MonthMessage[] = Array.from({ length: MIX.messages }, (_, id) => {
    const category = pickCategory();
    // A service reply answers the customer: their window is open by definition.
    return { id, contact: Math.floor(random() * MIX.contacts), category, windowOpen: category === 'service_reply' || random() < MIX.windowShare, at: start + Math.floor((id / MIX.messages) * 30 * DAY) };
  });
  return { start, contacts, messages };
}
