import type { MessageCategory } from '../../messages/messages.repository';
import { serviceWindowOpen } from '../../whatsapp/service-window';
import type { Channel, MessageContent } from '../driver';
import { priceOf, templatePrice, type PriceTable, type Pricing } from '../pricing/price-table';
import { convertibleToFreeForm } from '../whatsapp/whatsapp.driver';

/**
 * Routing: for one message to one contact, the channels to try in order — the cheapest that
 * reaches the contact first — as a pure function of the contact's reach, the account's channel
 * accounts, the account's policy and the price table. The dispatch workflow walks the plan,
 * falling back to the next step on a failed send or a missing delivery receipt; the cost bench
 * replays a month through this same function.
 */

export const ROUTE_STEPS = ['app', 'whatsapp_free_form', 'whatsapp_template', 'email', 'telegram'] as const;
export type RouteStep = (typeof ROUTE_STEPS)[number];
export const MESSAGE_CATEGORIES = ['transactional', 'utility', 'marketing', 'service_reply'] as const satisfies readonly MessageCategory[];

export type RoutingPolicy = Record<MessageCategory, RouteStep[]>;

const CHEAPEST_FIRST: RouteStep[] = ['app', 'whatsapp_free_form', 'whatsapp_template', 'email', 'telegram'];
/** The default policy: app push when installed → WhatsApp free-form in the window → WhatsApp template → e-mail → Telegram. */
export const DEFAULT_ROUTING_POLICY: RoutingPolicy = {
  transactional: CHEAPEST_FIRST,
  utility: CHEAPEST_FIRST,
  marketing: CHEAPEST_FIRST,
  service_reply: CHEAPEST_FIRST,
};

const STEP_CHANNEL: Record<RouteStep, Channel> = {
  app: 'app',
  whatsapp_free_form: 'whatsapp',
  whatsapp_template: 'whatsapp',
  email: 'email',
  telegram: 'telegram',
};

/** What routing knows of the contact. */
export interface ContactReach {
  /** The contact's first identity per kind (wa_id, e-mail, Telegram chat id, app user id). */
  whatsapp?: string;
  email?: string;
  telegram?: string;
  app?: string;
  appInstalled: boolean;
  /** contacts.opt_ins: `<channel>`, `<category>` or `<channel>.<category>` set to false opts out. */
  optIns: Record<string, boolean>;
  /** The customer's last message per WhatsApp number (channel account id → time). */
  lastInboundByNumber: Record<string, Date>;
}

/** The account's channel accounts, per channel, in the order they were connected. */
export type AccountChannels = Record<Channel, string[]>;

export interface RouteCandidate {
  step: RouteStep;
  channel: Channel;
  channelAccountId: string;
  recipient: string;
  /** WhatsApp: the approved template rather than free-form. */
  asTemplate: boolean;
  pricing: Pricing;
  cost: number;
  /** What the message would cost as a WhatsApp template (the ledger's baseline). */
  templateCost: number;
}

export interface PlanInput {
  category: MessageCategory;
  content: MessageContent;
  reach: ContactReach;
  channels: AccountChannels;
  policy: RoutingPolicy;
  prices: PriceTable;
  now: number;
}

export function optedOut(optIns: Record<string, boolean>, channel: Channel, category: MessageCategory): boolean {
  return optIns[channel] === false || optIns[category] === false || optIns[`${channel}.${category}`] === false;
}

/** The ordered candidates; empty when no channel reaches the contact. Each channel appears once. */
export function planRoute(input: PlanInput): RouteCandidate[] {
  const { category, content, reach, channels, prices, now } = input;
  const baseline = templatePrice(prices, category);
  const plan: RouteCandidate[] = [];
  const used = new Set<Channel>();
  for (const step of input.policy[category]) {
    const channel = STEP_CHANNEL[step];
    if (used.has(channel) || optedOut(reach.optIns, channel, category)) continue;
    const candidate = candidateFor(step, input);
    if (!candidate) continue;
    used.add(channel);
    const cost = priceOf(prices, channel, category, candidate.asTemplate);
    plan.push({ ...candidate, step, channel, cost, templateCost: baseline });
  }
  return plan;

  function candidateFor(step: RouteStep, { reach: r }: PlanInput): Omit<RouteCandidate, 'step' | 'channel' | 'cost' | 'templateCost'> | null {
    switch (step) {
      case 'app':
        return r.app && r.appInstalled && channels.app[0] ? { channelAccountId: channels.app[0], recipient: r.app, asTemplate: false, pricing: 'channel' } : null;
      case 'whatsapp_free_form': {
        if (!r.whatsapp || !convertibleToFreeForm(content)) return null;
        const open = channels.whatsapp.find((id) => serviceWindowOpen(r.lastInboundByNumber[id], now));
        if (!open) return null;
        // A template-category message sent free-form in the window is a conversion.
        const converted = content.template !== undefined && category !== 'service_reply';
        return { channelAccountId: open, recipient: r.whatsapp, asTemplate: false, pricing: converted ? 'converted' : 'free_form' };
      }
      case 'whatsapp_template': {
        if (!r.whatsapp || !content.template || channels.whatsapp.length === 0) return null;
        // The number the customer last wrote to, else the first connected.
        const last = [...channels.whatsapp].sort((a, b) => (r.lastInboundByNumber[b]?.getTime() ?? 0) - (r.lastInboundByNumber[a]?.getTime() ?? 0))[0];
        return { channelAccountId: last, recipient: r.whatsapp, asTemplate: true, pricing: 'template' };
      }
      case 'email':
        return r.email && channels.email[0] ? { channelAccountId: channels.email[0], recipient: r.email, asTemplate: false, pricing: 'channel' } : null;
      case 'telegram':
        return r.telegram && channels.telegram[0] ? { channelAccountId: channels.telegram[0], recipient: r.telegram, asTemplate: false, pricing: 'channel' } : null;
    }
  }
}

/** Country of a phone / wa_id for the ledger (the calling codes of recado's markets; others stay unknown). */
const CALLING_CODES: Array<[string, string]> = [
  ['351', 'PT'], ['598', 'UY'], ['595', 'PY'], ['591', 'BO'], ['55', 'BR'], ['54', 'AR'], ['56', 'CL'], ['57', 'CO'],
  ['51', 'PE'], ['52', 'MX'], ['58', 'VE'], ['34', 'ES'], ['44', 'GB'], ['49', 'DE'], ['33', 'FR'], ['39', 'IT'], ['1', 'US'],
];
export function countryOfPhone(digits: string | undefined): string | null {
  if (!digits) return null;
  const d = digits.replace(/^\+/, '');
  return CALLING_CODES.find(([code]) => d.startsWith(code))?.[1] ?? null;
}
