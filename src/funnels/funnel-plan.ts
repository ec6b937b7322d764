/**
 * What a store event does to funnels, and when a funnel's next message is due: pure functions
 * of the canonical event, the store's funnel configuration and the clock. The funnel workflow
 * asks `planStep` before every step, so a changed configuration applies from the next step on.
 */
import { createHash } from 'node:crypto';
import { isoDurationMs } from '../common/iso-duration';
import type { CanonicalEvent, CanonicalEventType } from '../stores/canonical-event';
import { FEEDS_ANOTHER_FUNNEL, FUNNELS, type FunnelName } from './model';

export interface FunnelConfig {
  enabled: boolean;
  /** Each step's time after the funnel starts (ISO 8601 duration: PT15M, P1D). */
  steps: Array<{ after: string }>;
  /** Payment funnels: how long after the due date a payment may still be confirmed (gateways take up to 3 business days). */
  tail?: string;
  /** Payment funnels: the due date when the platform does not say, after the funnel starts. */
  due_after?: string;
}

const once = (): FunnelConfig => ({ enabled: true, steps: [{ after: 'PT0S' }] });

/** The documented defaults (README "Funnels"); a store overrides any of them. */
export const DEFAULT_FUNNEL_CONFIGS: Record<FunnelName, FunnelConfig> = {
  cart_abandoned: { enabled: true, steps: [{ after: 'PT15M' }, { after: 'PT3H' }, { after: 'P1D' }] },
  boleto_issued: { enabled: true, steps: [{ after: 'PT0S' }, { after: 'P1D' }, { after: 'P2D' }], due_after: 'P3D', tail: 'P3D' },
  pix_issued: { enabled: true, steps: [{ after: 'PT0S' }, { after: 'PT30M' }], due_after: 'P1D', tail: 'PT1H' },
  card_declined: { enabled: true, steps: [{ after: 'PT0S' }, { after: 'PT2H' }] },
  payment_approved: once(),
  order_shipped: once(),
  order_delivered: once(),
  refunded: once(),
  // Silent unless the store templates "your order was cancelled": its job is ending the reminders.
  order_cancelled: once(),
  subscription_late: { enabled: true, steps: [{ after: 'PT0S' }, { after: 'P2D' }] },
  subscription_cancelled: once(),
  subscription_renewed: once(),
  custom: once(),
};

/** Funnels that remind about a payment: an order paid (or refunded, cancelled, or marked paid) stops them. */
export const PAYMENT_FUNNELS: readonly FunnelName[] = ['boleto_issued', 'pix_issued', 'card_declined'];
/** Events that mean the customer placed (or paid) an order: the customer's abandoned carts stop. */
const NEWER_ORDER: readonly CanonicalEventType[] = ['boleto_issued', 'boleto_printed', 'pix_issued', 'card_declined', 'payment_approved', 'order_paid'];
/** Events that settle an order's payment. */
export const PAID: readonly CanonicalEventType[] = ['payment_approved', 'order_paid'];

/** The funnel each event feeds; `boleto_printed` is the boleto funnel, `order_paid` the approval. */
const FEEDS: Record<CanonicalEventType, FunnelName> = {
  ...(Object.fromEntries(FUNNELS.map((f) => [f, f])) as Record<FunnelName, FunnelName>),
  ...FEEDS_ANOTHER_FUNNEL,
};

export interface FunnelActions {
  /** The funnel the event starts (or updates, when it runs already): keyed by order, cart or event. */
  start: { funnel: FunnelName; subject: string };
  /** Funnels of the same order the event ends. */
  stopsOrderFunnels: readonly FunnelName[];
  /** The event is a newer order: the customer's abandoned-cart funnels in this store end. */
  stopsCarts: boolean;
}

export function funnelActionsFor(event: CanonicalEvent): FunnelActions {
  const funnel = FEEDS[event.type];
  const subject =
    (funnel === 'cart_abandoned' ? (event.cartId ?? event.orderId) : (event.orderId ?? event.cartId)) ??
    // Events without an order (a birthday, a late subscription without one): the event is the subject.
    (event.platformEventId ?? hash(JSON.stringify({ ...event, occurredAt: null })));
  const settles = PAID.includes(event.type) || event.type === 'refunded' || event.type === 'order_cancelled';
  return { start: { funnel, subject }, stopsOrderFunnels: settles ? PAYMENT_FUNNELS : [], stopsCarts: NEWER_ORDER.includes(event.type) };
}

/** The funnel's workflow id, readable in the Temporal UI: `funnel-<store>-<funnel>-<order or cart>`. */
export function funnelId(storeId: string, funnel: FunnelName, subject: string): string {
  const readable = subject.length <= 120 && /^[\w.:@+-]+$/.test(subject) ? subject : hash(subject);
  return `funnel-${storeId}-${funnel}-${readable}`;
}

export type StepPlan =
  | { kind: 'send'; step: number }
  | { kind: 'wait'; until: number; reason: string }
  | { kind: 'done'; state: 'completed' | 'stopped' | 'cancelled'; reason: string };

export interface StepPlanInput {
  config: FunnelConfig;
  funnel: FunnelName;
  startedAt: number;
  /** The first step not sent yet. */
  nextStep: number;
  now: number;
  /** Payment funnels: the boleto's due date or the PIX code's expiry, when the platform said. */
  dueAt: number | null;
  /** Why the store stopped this funnel (order paid, store deleted…), when it did. */
  ended: { state: 'stopped' | 'cancelled' | 'completed'; reason: string } | null;
  /** The store or its instance is disconnected: the funnel waits for the reconnect. */
  paused: boolean;
  /** A step this late is skipped when a later step is due too (FUNNEL_STALE_AFTER). */
  staleAfterMs: number;
}

/** How long a paused funnel waits before looking again when no reconnect wakes it. */
export const PAUSED_RECHECK_MS = 3_600_000;

/**
 * The funnel's next move. Steps go in order, late or not; but a step more than `staleAfterMs`
 * late (the store was disconnected for hours) is skipped when a later step is due too: the
 * customer gets the latest reminder, not a burst of stale ones. A payment funnel sends nothing
 * after the due date and ends when the tail after it passes.
 */
export function planStep(input: StepPlanInput): StepPlan {
  const { config, startedAt, now } = input;
  if (input.ended) return { kind: 'done', ...input.ended };
  if (!config.enabled) return { kind: 'done', state: 'stopped', reason: 'the store turned this funnel off' };
  if (input.paused) return { kind: 'wait', until: now + PAUSED_RECHECK_MS, reason: 'the store or its instance is disconnected' };

  const due = PAYMENT_FUNNELS.includes(input.funnel) ? (input.dueAt ?? startedAt + (isoDurationMs(config.due_after) ?? 0)) : null;
  const times = config.steps.map((s) => startedAt + (isoDurationMs(s.after) ?? 0));
  // Step 0 always goes (it carries the boleto / PIX code); reminders only before the due date.
  const remaining = times.map((at, step) => ({ at, step })).filter(({ at, step }) => step >= input.nextStep && (due === null || step === 0 || at <= due));
  const dueNow = remaining.filter(({ at }) => at <= now);
  const next = dueNow.find(({ at }, i) => i === dueNow.length - 1 || now - at <= input.staleAfterMs);
  if (next) return { kind: 'send', step: next.step };
  if (remaining.length) return { kind: 'wait', until: remaining[0].at, reason: `step ${remaining[0].step} is due` };
  if (due !== null) {
    const end = due + (isoDurationMs(config.tail) ?? 0);
    if (now < end) return { kind: 'wait', until: end, reason: 'waiting for the payment to be confirmed' };
    return { kind: 'done', state: 'completed', reason: 'not paid by the due date' };
  }
  return { kind: 'done', state: 'completed', reason: 'every step was sent' };
}

/** A boleto's due date (a date alone is the end of that day in Brasília) or a PIX code's expiry. */
export function dueAtOf(event: CanonicalEvent): number | null {
  const raw = event.type === 'pix_issued' ? event.artefacts.pixExpiresAt : event.artefacts.dueAt;
  if (!raw) return null;
  const at = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(raw) ? `${raw}T23:59:59-03:00` : raw);
  return Number.isNaN(at) ? null : at;
}

/** Errors name the field: `steps[1].after`. */
export function validateFunnelConfig(config: FunnelConfig): Array<{ field: string; message: string }> {
  const errors: Array<{ field: string; message: string }> = [];
  if (!Array.isArray(config.steps) || config.steps.length === 0 || config.steps.length > 20) {
    errors.push({ field: 'steps', message: 'must list 1 to 20 steps' });
    return errors;
  }
  let previous = -1;
  config.steps.forEach((s, i) => {
    const ms = isoDurationMs(s?.after);
    if (ms === undefined) errors.push({ field: `steps[${i}].after`, message: 'must be an ISO 8601 duration such as PT15M or P1D' });
    else if (ms < previous) errors.push({ field: `steps[${i}].after`, message: 'must not come before the previous step' });
    else previous = ms;
  });
  for (const field of ['tail', 'due_after'] as const) {
    if (config[field] !== undefined && isoDurationMs(config[field]) === undefined) errors.push({ field, message: 'must be an ISO 8601 duration such as P3D' });
  }
  return errors;
}

function hash(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 24);
}
