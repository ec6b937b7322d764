/**
 * The shapes the funnels feature shares between its parts: funnels (workflows that decide what
 * to say and when), store templates (what it says), the paced outbox (when it may go) and the
 * statistics that read them back. Tables: src/db/migrations/1732162000000_funnels.sql.
 */
import { CANONICAL_EVENT_TYPES, type CanonicalEvent, type CanonicalEventType } from '../stores/canonical-event';
import type { MessageContent } from '../channels/driver';

/** Events that feed another event's funnel: `boleto_printed` the boleto's, `order_paid` the approval's. */
export const FEEDS_ANOTHER_FUNNEL = { boleto_printed: 'boleto_issued', order_paid: 'payment_approved' } as const;

/**
 * Funnels are named after the canonical event that starts them; templates for a funnel's steps
 * are the store's templates for that event type. Every other canonical event is a funnel.
 */
export type FunnelName = Exclude<CanonicalEventType, keyof typeof FEEDS_ANOTHER_FUNNEL>;
export const FUNNELS: readonly FunnelName[] = CANONICAL_EVENT_TYPES.filter((t): t is FunnelName => !Object.hasOwn(FEEDS_ANOTHER_FUNNEL, t));

export type FunnelState = 'starting' | 'running' | 'completed' | 'stopped' | 'cancelled';

export interface FunnelRow {
  id: string;
  account_id: string;
  store_id: string;
  contact_id: string;
  funnel: FunnelName;
  subject: string;
  state: FunnelState;
  step: number;
  reason: string | null;
  event: CanonicalEvent;
  started_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

export type TemplateCategory = 'marketing' | 'utility';

/** What a store template says, with {{variables}} (README "Templates" lists them). */
export interface TemplateContent {
  header?: string;
  body: string;
  footer?: string;
  buttons?: Array<{ type: 'reply'; text: string } | { type: 'url'; text: string; url: string }>;
}

export interface StoreTemplateRow {
  id: string;
  account_id: string;
  store_id: string;
  event_type: CanonicalEventType;
  step: number | null;
  variant: string;
  weight: number;
  enabled: boolean;
  category: TemplateCategory;
  content: TemplateContent;
  meta_template: { name: string; language: string; status?: string; category?: string; components?: unknown[]; parameter_format?: string; synced_at?: string } | null;
  created_at: Date;
  updated_at: Date;
}

export type NotificationState = 'queued' | 'sent' | 'expired' | 'refused' | 'suppressed' | 'cancelled';
/** Routing's message category; `transactional` alerts may be exempt from the frequency cap and quiet hours. */
export type NotificationCategory = 'transactional' | 'utility' | 'marketing';

export interface NotificationRow {
  id: string;
  account_id: string;
  store_id: string;
  channel_account_id: string;
  contact_id: string;
  funnel_id: string;
  step: number;
  event_type: string;
  template_id: string | null;
  variant: string | null;
  category: NotificationCategory;
  content: MessageContent;
  state: NotificationState;
  reason: string | null;
  not_before: Date;
  expires_at: Date;
  dispatch_id: string | null;
  sent_at: Date | null;
  replied_at: Date | null;
  clicked_at: Date | null;
  converted_at: Date | null;
  revenue_minor: string | null;
  revenue_currency: string | null;
  created_at: Date;
}

/** A store's dispatch rules (stores.rules); every field optional, defaults in config. */
export interface StoreRules {
  /** ISO 8601 duration between two sends of the store's instance (the seed recommends ≥ PT20S). */
  min_interval?: string;
  /** Messages per contact per day, transactional alerts exempt. */
  frequency_cap?: number;
  /** In the contact's time zone, e.g. {start: "21:00", end: "08:00"}; `transactional: true` lets transactional alerts through. */
  quiet_hours?: { start: string; end: string; transactional?: boolean } | null;
  /** Replies that trigger a flow: e.g. {words: ["FRAUDE", "NÃO FUI EU"], action: "callback"}. */
  keywords?: Array<{ words: string[]; callback_url?: string; open_conversation?: boolean }>;
  // The callback's signing secret is a store secret (`callback_secret`), sealed like the others.
}
