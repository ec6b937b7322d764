import type { MessageKey } from '../../i18n';

export interface ReplyRule {
  mode: 'free_form' | 'template_only' | 'none';
  reason: 'window_open' | 'window_closed' | 'never_wrote' | 'no_window' | 'opted_out';
  last_inbound_at: string | null;
  window_closes_at: string | null;
}

/** Whole hours between two instants, rounded down ("wrote 26 h ago"); never negative. */
export function hoursBetween(fromIso: string, to: Date): number {
  return Math.max(0, Math.floor((to.getTime() - Date.parse(fromIso)) / 3_600_000));
}

/**
 * The sentence that tells the agent how a reply may go and why: its message key and parameters
 * (the console's dictionaries word it). Hours are counted from the customer's last message.
 */
export function replyReason(rule: ReplyRule, now: Date): { key: MessageKey; params: Record<string, string | number> } {
  switch (rule.reason) {
    case 'window_open':
      return {
        key: 'reply.reason.open',
        params: {
          hours: rule.last_inbound_at ? hoursBetween(rule.last_inbound_at, now) : 0,
          left: rule.window_closes_at ? Math.max(0, Math.ceil((Date.parse(rule.window_closes_at) - now.getTime()) / 3_600_000)) : 0,
        },
      };
    case 'window_closed':
      return { key: 'reply.reason.closed', params: { hours: rule.last_inbound_at ? hoursBetween(rule.last_inbound_at, now) : 24 } };
    case 'never_wrote':
      return { key: 'reply.reason.never', params: {} };
    case 'no_window':
      return { key: 'reply.reason.noWindow', params: {} };
    case 'opted_out':
      return { key: 'reply.reason.optedOut', params: {} };
  }
}
