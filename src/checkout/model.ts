import type { Gateway } from '../payments/payment-links';

/**
 * new: captured, no payment link yet (the gateway failed: the customer may submit again);
 * open: the link is out, payment awaited; paid; abandoned: unpaid past its time, recovery
 * running (a payment still closes it); expired: unpaid past CHECKOUT_EXPIRE_AFTER.
 */
export const CHECKOUT_STATES = ['new', 'open', 'paid', 'abandoned', 'expired'] as const;
export type CheckoutState = (typeof CHECKOUT_STATES)[number];

/** none: no CRM connected; pending: the CRM is behind the intent; synced; parked: gave up until `resume-crm`. */
export const CRM_SYNC_STATES = ['none', 'pending', 'synced', 'parked'] as const;
export type CrmSyncState = (typeof CRM_SYNC_STATES)[number];

export interface CheckoutIntentRow {
  id: string;
  account_id: string;
  store_id: string;
  form_id: string | null;
  contact_id: string;
  name: string;
  email: string;
  phone: string;
  product: string;
  plan: string | null;
  /** bigint, as pg returns it: a string. */
  amount_minor: string;
  currency: string;
  gateway: Gateway;
  gateway_reference: string | null;
  payment_url: string | null;
  state: CheckoutState;
  abandon_at: Date;
  expires_at: Date;
  paid_at: Date | null;
  abandoned_at: Date | null;
  funnel_id: string | null;
  crm_state: CrmSyncState;
  crm_error: string | null;
  crm_parked_at: Date | null;
  crm_person_id: string | null;
  crm_deal_id: string | null;
  crm_won_at: Date | null;
  crm_follow_up_id: string | null;
  workflow_started_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** The recovery workflow's id: one per intent, readable in the Temporal UI. */
export const checkoutWorkflowId = (intentId: string) => `checkout-${intentId}`;
