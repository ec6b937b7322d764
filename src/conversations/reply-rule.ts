import type { Channel } from '../channels/driver';
import { SERVICE_WINDOW_MS, serviceWindowOpen } from '../whatsapp/service-window';

export const REPLY_MODES = ['free_form', 'template_only', 'none'] as const;
export type ReplyMode = (typeof REPLY_MODES)[number];

/**
 * Why an agent may write what they may:
 * - window_open: WhatsApp, the customer wrote within 24 h — anything goes until window_closes_at;
 * - window_closed: WhatsApp, the customer's last message is older — only an approved template goes;
 * - never_wrote: WhatsApp, the customer never wrote to this number — only an approved template goes;
 * - no_window: e-mail, Telegram and the app have no such rule;
 * - opted_out: the customer opted out of replies on this channel (opt_ins) — nothing goes.
 */
export const REPLY_REASONS = ['window_open', 'window_closed', 'never_wrote', 'no_window', 'opted_out'] as const;
export type ReplyReason = (typeof REPLY_REASONS)[number];

export interface ReplyRule {
  mode: ReplyMode;
  reason: ReplyReason;
  /** WhatsApp with the window open: when free-form stops being allowed. */
  windowClosesAt: Date | null;
}

/** The same rule POST /v1/messages applies (src/messages), stated ahead so the console can show it. */
export function replyRule(input: { channel: Channel; lastInboundAt: Date | null; optedOut: boolean; now: number }): ReplyRule {
  if (input.optedOut) return { mode: 'none', reason: 'opted_out', windowClosesAt: null };
  if (input.channel !== 'whatsapp') return { mode: 'free_form', reason: 'no_window', windowClosesAt: null };
  if (serviceWindowOpen(input.lastInboundAt, input.now)) {
    return { mode: 'free_form', reason: 'window_open', windowClosesAt: new Date(input.lastInboundAt!.getTime() + SERVICE_WINDOW_MS) };
  }
  return { mode: 'template_only', reason: input.lastInboundAt ? 'window_closed' : 'never_wrote', windowClosesAt: null };
}

/** A Meta template's body text and how many {{n}} parameters a send must give, from its components. */
export function templateBody(components: unknown): { text: string | null; parameterCount: number } {
  const body = Array.isArray(components)
    ? (components as Array<{ type?: unknown; text?: unknown }>).find((c) => typeof c?.type === 'string' && c.type.toUpperCase() === 'BODY')
    : undefined;
  const text = typeof body?.text === 'string' ? body.text : null;
  const numbers = new Set([...(text ?? '').matchAll(/\{\{\s*(\d+)\s*\}\}/g)].map((m) => Number(m[1])));
  return { text, parameterCount: numbers.size === 0 ? 0 : Math.max(...numbers) };
}
