import type { PoolClient } from 'pg';

/**
 * What a provider plugs into the one inbound-delivery pipeline (InboundDeliveriesService):
 * the pipeline stores the raw delivery before it is acknowledged, de-duplicates each event by
 * its natural key in the same transaction as its effects, records the outcome and warnings, and
 * retries failed deliveries. A provider adds a verifier (in its controller) and a handler.
 */

export interface DeliveryEvent {
  /** Stable across redeliveries (a wamid, `wamid:status`, a call id + event…). */
  dedupeKey: string;
  /** Recorded with the event, e.g. message, status, call. */
  kind: string;
}

export interface ParsedDelivery<E extends DeliveryEvent> {
  /** Events the handler understood, including those it deliberately ignores. */
  events: E[];
  /** Parts nothing could be made of, each with a reason naming the field. */
  rejected: Array<{ at: string; reason: string }>;
  /** Normalisations applied and deviations from the provider's schema, each naming its field. */
  warnings: string[];
}

/** Whose event it is; `null` with a reason when it belongs to no account. */
export type EventRoute<R> = { accountId: string; target: R } | { accountId: null; reason: string };

/** applied: effects written; unhandled: kept, nothing to do yet; ignored: recado does not act on it. */
export type EventOutcome = 'applied' | 'unhandled' | 'ignored';

export interface InboundHandler<E extends DeliveryEvent, R> {
  readonly provider: string;
  /**
   * Throws InvalidDeliveryError when nothing in the body can be read. `routeHint` is what the
   * receiver knew besides the body (the channel account a webhook URL or a poller names), or null.
   */
  parse(rawBody: string, routeHint: string | null, headers: DeliveryHeaders): ParsedDelivery<E>;
  /** Events the provider sends that recado does not act on: counted, never recorded. */
  isIgnored(event: E): boolean;
  route(event: E): Promise<EventRoute<R>>;
  /** Runs inside the event's transaction, after its de-duplication row is written. */
  apply(db: PoolClient, event: E, route: { accountId: string; target: R }, webhookId: string): Promise<EventOutcome>;
  /** Runs inside the transaction when the event was received before (to list the repeat, say). */
  onDuplicate?(db: PoolClient, event: E, route: { accountId: string; target: R }, webhookId: string): Promise<void>;
  /** Work that must follow the commit (starting a workflow that reads what was written). */
  afterCommit?(event: E, route: { accountId: string; target: R }): Promise<void>;
}

/** The request headers a provider's handler reads besides the body (e.g. Shopify's topic), lower-case names. */
export type DeliveryHeaders = Record<string, string>;

export class InvalidDeliveryError extends Error {
  override readonly name = 'InvalidDeliveryError';
}
