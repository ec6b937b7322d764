import type { NotificationCategory, StoreRules } from '../model';
import type { PlanLimit } from './outbox.config';
import { isoDurationMs } from '../../common/iso-duration';
import { dayBounds, quietHoursEnd } from './zones';

/**
 * The dispatch rules, as one pure function of what the outbox read in its transaction: whether
 * the next due notification of an instance goes now, waits (and until when), or ends — and why.
 * Applied in this order; every outcome but `pace` is written on the notification with its reason.
 */

export type Decision =
  | { kind: 'send' }
  /** Not yet: not_before moves to `until`, the reason says why. */
  | { kind: 'wait'; until: number; reason: string }
  /** The instance sent less than its minimum interval ago: nothing is written, the outbox sleeps. */
  | { kind: 'pace'; until: number }
  /** Stays queued until its store and instance are connected (or it expires). */
  | { kind: 'hold'; reason: string }
  | { kind: 'cancel'; reason: string }
  | { kind: 'expire'; reason: string }
  | { kind: 'suppress'; reason: string }
  | { kind: 'refuse'; reason: string };

/** Reason prefix of a held notification: the outbox skips it while its store or instance stays disconnected. */
export const HELD = 'held: ';

export interface DecideInput {
  now: number;
  notification: { category: NotificationCategory; createdAt: number; expiresAt: number; reason: string | null };
  store: { deleted: boolean; disconnected: boolean; rules: StoreRules };
  instanceDisconnected: boolean;
  contact: { optIns: Record<string, boolean>; timeZone: string };
  /** Non-transactional notifications sent to the contact since the start of their day (dayBounds in their zone). */
  sentToContactToday: number;
  /** Notifications the account sent since the start of its day (dayBounds in accountTimeZone). */
  sentByAccountToday: number;
  plan: PlanLimit & { name: string };
  accountTimeZone: string;
  defaults: { frequencyCap: number; minIntervalMs: number };
  /** The instance's last send (outbox_instances.last_sent_at). */
  lastSentAt: number | null;
}

/** marketing: only to a contact who opted in to marketing, in general or on some channel — and not out of it. */
export function marketingOptIn(optIns: Record<string, boolean>): boolean {
  if (optIns.marketing === false) return false;
  return optIns.marketing === true || Object.entries(optIns).some(([key, value]) => key.endsWith('.marketing') && value === true);
}

/** Whether a marketing message may go on `channel`: opted in in general or on that channel. */
export function marketingAllowedOn(optIns: Record<string, boolean>, channel: string): boolean {
  return optIns.marketing === true || optIns[`${channel}.marketing`] === true;
}

export function minIntervalMs(rules: StoreRules, defaultMs: number): number {
  return isoDurationMs(rules.min_interval) ?? defaultMs;
}

export function decide(input: DecideInput): Decision {
  const { now, notification: n, store, contact } = input;
  const rules = store.rules ?? {};
  if (store.deleted) return { kind: 'cancel', reason: 'store deleted' };

  const held = input.instanceDisconnected ? 'instance disconnected' : store.disconnected ? 'store disconnected' : null;
  if (now >= n.expiresAt) {
    const last = held ?? (n.reason?.startsWith(HELD) ? n.reason.slice(HELD.length) : n.reason);
    return { kind: 'expire', reason: `${last ? `${last}; ` : ''}not sent within ${humanDuration(n.expiresAt - n.createdAt)}` };
  }
  if (held) return { kind: 'hold', reason: HELD + held };

  if (n.category === 'marketing' && !marketingOptIn(contact.optIns)) return { kind: 'suppress', reason: 'no marketing opt-in' };

  const transactional = n.category === 'transactional';
  const cap = rules.frequency_cap ?? input.defaults.frequencyCap;
  if (!transactional && input.sentToContactToday >= cap) {
    return { kind: 'wait', until: dayBounds(contact.timeZone, now).end, reason: `frequency cap: ${cap} messages a day to this contact` };
  }

  const quiet = rules.quiet_hours;
  if (quiet && !(transactional && quiet.transactional === true)) {
    const end = quietHoursEnd(contact.timeZone, now, quiet.start, quiet.end);
    if (end !== null) return { kind: 'wait', until: end, reason: `quiet hours ${quiet.start}–${quiet.end} (${contact.timeZone})` };
  }

  const { plan } = input;
  if (plan.dailyLimit !== null && input.sentByAccountToday >= plan.dailyLimit) {
    const reason = `daily limit of ${plan.dailyLimit} messages of plan ${plan.name} reached`;
    if (plan.overLimit === 'refuse') return { kind: 'refuse', reason };
    return { kind: 'wait', until: dayBounds(input.accountTimeZone, now).end, reason };
  }

  const interval = minIntervalMs(rules, input.defaults.minIntervalMs);
  if (input.lastSentAt !== null && now < input.lastSentAt + interval) return { kind: 'pace', until: input.lastSentAt + interval };
  return { kind: 'send' };
}

/** "48 h", "90 min", "5 s" — for reasons people read. */
export function humanDuration(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 100) / 10} s`;
}
