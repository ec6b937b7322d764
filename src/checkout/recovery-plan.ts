import type { CheckoutState, CrmSyncState } from './model';

/** What the recovery of one intent needs from the CRM, given where the intent stands. */
export interface CrmProgress {
  state: CrmSyncState;
  hasDeal: boolean;
  won: boolean;
  hasFollowUp: boolean;
}

export interface RecoveryInput {
  state: CheckoutState;
  abandonAt: number;
  expiresAt: number;
  now: number;
  crm: CrmProgress;
}

export type RecoveryStep =
  /** Bring the CRM in line: the deal, then won or the follow-up. */
  | { kind: 'sync_crm' }
  /** Unpaid in time: mark it abandoned, start the abandoned-checkout funnel. */
  | { kind: 'abandon' }
  /** Unpaid past its last chance. */
  | { kind: 'expire' }
  /** Until `until`, or a signal (a payment, a resume); null: only a signal. */
  | { kind: 'wait'; until: number | null; reason: string }
  | { kind: 'done'; state: CheckoutState };

/** What the CRM still lacks for this intent's state; nothing when no CRM is connected. */
export function crmBehind(state: CheckoutState, crm: CrmProgress): boolean {
  if (crm.state === 'none') return false;
  if (!crm.hasDeal) return true;
  if (state === 'paid') return !crm.won;
  if (state === 'abandoned') return !crm.hasFollowUp;
  return false;
}

/**
 * The one decision of checkoutRecoveryWorkflow, pure: the CRM first (a parked CRM waits for
 * `resume-crm` and holds nothing else back), then the payment's clock.
 */
export function planRecovery(input: RecoveryInput): RecoveryStep {
  const { state, crm, now } = input;
  if (state === 'new') return { kind: 'done', state };
  if (state === 'open' && now >= input.abandonAt) return { kind: 'abandon' };
  if (state === 'abandoned' && now >= input.expiresAt) return { kind: 'expire' };
  if (crmBehind(state, crm)) {
    if (crm.state !== 'parked') return { kind: 'sync_crm' };
    return { kind: 'wait', until: waitUntil(input), reason: 'the CRM work is parked until resume-crm' };
  }
  if (state === 'paid' || state === 'expired') return { kind: 'done', state };
  return { kind: 'wait', until: waitUntil(input), reason: state === 'open' ? 'awaiting the payment' : 'abandoned: a payment still closes it' };
}

function waitUntil(input: RecoveryInput): number | null {
  if (input.state === 'open') return input.abandonAt;
  if (input.state === 'abandoned') return input.expiresAt;
  return null;
}
