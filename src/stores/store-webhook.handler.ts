import { Injectable, OnModuleInit } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';
import type { Logger } from 'pino';
import { Inject } from '@nestjs/common';
import { LOGGER } from '../common/logger.module';
import { ContactsRepository } from '../contacts/contacts.repository';
import type { Identity } from '../contacts/identities';
import { MetricsService } from '../metrics/metrics.service';
import {
  InvalidDeliveryError,
  type DeliveryEvent,
  type DeliveryHeaders,
  type EventOutcome,
  type InboundHandler,
  type ParsedDelivery,
} from '../webhooks/inbound-delivery';
import { InboundDeliveriesService } from '../webhooks/inbound-deliveries.service';
import { PLATFORM_ADAPTERS } from './adapters';
import { InvalidStorePayloadError, STORE_PLATFORMS, type CanonicalEvent, type StorePlatform } from './canonical-event';
import { StoresRepository } from './stores.repository';
import { CONFIG } from '../config/config.module';
import type { Config } from '../config/config';
import { funnelActionsFor, PAID } from '../funnels/funnel-plan';
import { FunnelsRepository, type FunnelEffects } from '../funnels/funnels.repository';
import { FunnelsService } from '../funnels/funnels.service';
import { attributeConversion } from '../funnels/stats/conversions';
import { CheckoutIntentsRepository } from '../checkout/checkout-intents.repository';
import { CheckoutIntentsService } from '../checkout/checkout-intents.service';

export const STORE_PROVIDER = 'store';

/** One event of a store delivery: a canonical event, or a platform event recado has none for. */
export type StoreDeliveryEvent = DeliveryEvent & { storeId: string; platformEventType: string } & (
    | { kind: 'mapped'; event: CanonicalEvent }
    | { kind: 'unmapped'; reason: string }
  );

/**
 * Store webhooks through the one inbound pipeline: the store's platform adapter reads the
 * delivery; each canonical event is de-duplicated by the platform's event id (or a hash of the
 * event) per store, its customer becomes a contact, and it is listed with the store; events the
 * platform sends that recado has no canonical event for are kept as `unmapped`, counted and logged.
 */
@Injectable()
export class StoreWebhookHandler implements InboundHandler<StoreDeliveryEvent, { storeId: string; deleted: boolean }>, OnModuleInit {
  readonly provider = STORE_PROVIDER;
  /** What apply did to funnels, for afterCommit (same event object, same process). */
  private readonly effects = new WeakMap<StoreDeliveryEvent, FunnelEffects & { contactId: string | null; paidIntents: string[] }>();

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly deliveries: InboundDeliveriesService,
    private readonly stores: StoresRepository,
    private readonly contacts: ContactsRepository,
    private readonly metrics: MetricsService,
    private readonly funnelsRepository: FunnelsRepository,
    private readonly funnels: FunnelsService,
    private readonly checkoutIntents: CheckoutIntentsRepository,
    private readonly checkouts: CheckoutIntentsService,
  ) {}

  onModuleInit() {
    this.deliveries.register(this);
  }

  parse(rawBody: string, routeHint: string | null, headers: DeliveryHeaders): ParsedDelivery<StoreDeliveryEvent> {
    const [platform, storeId] = (routeHint ?? '').split(':') as [StorePlatform, string];
    if (!STORE_PLATFORMS.includes(platform) || !storeId) throw new InvalidDeliveryError(`route hint ${routeHint} names no store`);
    let read;
    try {
      read = PLATFORM_ADAPTERS[platform].parse(rawBody, headers);
    } catch (err) {
      if (err instanceof InvalidStorePayloadError) throw new InvalidDeliveryError(err.message);
      throw err;
    }
    const events: StoreDeliveryEvent[] = read.events.map((event) => ({
      kind: 'mapped',
      storeId,
      platformEventType: event.platformEventType,
      event,
      // The platform's id for the event where it has one; else the event itself, hashed.
      dedupeKey: `${storeId}:${event.type}:${event.platformEventId ?? hashOf(event)}`,
    }));
    for (const u of read.unmapped) {
      events.push({ kind: 'unmapped', storeId, platformEventType: u.platformEventType, reason: u.reason, dedupeKey: `${storeId}:unmapped:${hashOf(rawBody)}` });
    }
    return { events, rejected: [], warnings: read.warnings };
  }

  isIgnored(): boolean {
    return false;
  }

  async route(event: StoreDeliveryEvent) {
    const store = await this.stores.findAnyById(event.storeId);
    if (!store) return { accountId: null, reason: `store ${event.storeId} no longer exists` } as const;
    return { accountId: store.account_id, target: { storeId: store.id, deleted: store.deleted_at !== null } };
  }

  async apply(db: PoolClient, e: StoreDeliveryEvent, route: { accountId: string; target: { storeId: string; deleted?: boolean } }, webhookId: string): Promise<EventOutcome> {
    const base = { storeId: route.target.storeId, accountId: route.accountId, webhookId, dedupeKey: e.dedupeKey, platformEventType: e.platformEventType };
    if (e.kind === 'unmapped') {
      this.metrics.storeEventsUnmapped.inc({ store: route.target.storeId, type: e.platformEventType });
      this.logger.warn({ storeId: route.target.storeId, type: e.platformEventType, reason: e.reason }, 'store event recado has no canonical event for');
      await this.stores.recordEvent(db, { ...base, status: 'unmapped', reason: e.reason, event: null, contactId: null });
      return 'unhandled';
    }
    if (route.target.deleted) {
      await this.stores.recordEvent(db, { ...base, status: 'ignored', reason: 'the store was deleted', event: e.event, contactId: null });
      return 'ignored';
    }
    const identities = customerIdentities(e.event);
    const contact = identities.length
      ? await this.contacts.findOrCreateByIdentities(route.accountId, identities, e.event.customer.name, db)
      : undefined;
    let effects: FunnelEffects | undefined;
    const paid = await this.payCheckoutIntents(db, route.target.storeId, e.event);
    if (contact) {
      const target = { accountId: route.accountId, storeId: route.target.storeId, contactId: contact.id };
      effects = await this.funnelsRepository.applyEvent(db, { ...target, event: e.event, actions: funnelActionsFor(e.event) });
      if (PAID.includes(e.event.type)) {
        const at = e.event.occurredAt ? new Date(e.event.occurredAt) : new Date();
        await attributeConversion(db, { ...target, orderId: e.event.orderId, amount: e.event.amount, at, windowMs: this.config.funnelStats.conversionWindowMs });
      }
    }
    if (effects || paid.intents.length) {
      const funnels = effects ?? { funnelId: null, started: false, ended: [] };
      this.effects.set(e, { ...funnels, ended: [...funnels.ended, ...paid.endedFunnels], contactId: contact?.id ?? null, paidIntents: paid.intents });
    }
    await this.stores.recordEvent(db, {
      ...base,
      status: 'mapped',
      reason: contact ? null : 'the event names no customer phone or e-mail: no funnel',
      event: e.event,
      contactId: contact?.id ?? null,
      funnelId: effects?.funnelId ?? null,
    });
    return 'applied';
  }

  /** After the commit: the new funnel's workflow starts; the funnels the event ended look again now. */
  async afterCommit(e: StoreDeliveryEvent, route: { accountId: string; target: { storeId: string } }): Promise<void> {
    const effects = this.effects.get(e);
    if (!effects || e.kind !== 'mapped') return;
    this.effects.delete(e);
    if (effects.started && effects.funnelId && effects.contactId) {
      const funnel = funnelActionsFor(e.event).start.funnel;
      // Not started now (Temporal down): the funnel stays `starting` and the sweeper starts it.
      await this.funnels
        .start({ id: effects.funnelId, account_id: route.accountId, store_id: route.target.storeId, contact_id: effects.contactId, funnel })
        .catch((err: Error) => this.logger.warn({ funnelId: effects.funnelId, err: err.message }, 'funnel not started yet; the sweeper will retry'));
    }
    if (effects.ended.length) await this.funnels.wake(effects.ended);
    if (effects.paidIntents.length) await this.checkouts.wake(effects.paidIntents);
  }

  /**
   * A payment of a checkout intent's link (the gateway names the order or payment the link
   * created): the intent is paid and its abandoned-checkout funnel ends, in this event's
   * transaction; its recovery then wins the deal.
   */
  private async payCheckoutIntents(db: PoolClient, storeId: string, event: CanonicalEvent): Promise<{ intents: string[]; endedFunnels: string[] }> {
    if (!PAID.includes(event.type) || !event.orderId) return { intents: [], endedFunnels: [] };
    const at = event.occurredAt ? new Date(event.occurredAt) : new Date();
    const paid = await this.checkoutIntents.markPaid(db, storeId, event.orderId, Number.isNaN(at.getTime()) ? new Date() : at);
    const funnels = paid.map((p) => p.funnel_id).filter((id): id is string => id !== null);
    const endedFunnels = await this.funnelsRepository.stopFunnels(db, funnels, `checkout paid (${event.orderId})`);
    return { intents: paid.map((p) => p.id), endedFunnels };
  }

  async onDuplicate(db: PoolClient, e: StoreDeliveryEvent, route: { accountId: string; target: { storeId: string; deleted?: boolean } }, webhookId: string) {
    await this.stores.recordEvent(db, {
      storeId: route.target.storeId,
      accountId: route.accountId,
      webhookId,
      dedupeKey: e.dedupeKey,
      status: 'duplicate',
      reason: 'received before; nothing new was done',
      platformEventType: e.platformEventType,
      event: e.kind === 'mapped' ? e.event : null,
      contactId: null,
    });
  }
}

/** The customer's phone (also their WhatsApp id: a Brazilian mobile) and e-mail, phone first. */
function customerIdentities(event: CanonicalEvent): Identity[] {
  const out: Identity[] = [];
  if (event.customer.phone) {
    out.push({ kind: 'phone', value: event.customer.phone });
    out.push({ kind: 'whatsapp', value: event.customer.phone.replace(/^\+/, '') });
  }
  if (event.customer.email) out.push({ kind: 'email', value: event.customer.email });
  return out;
}

function hashOf(value: unknown): string {
  return createHash('sha256').update(typeof value === 'string' ? value : JSON.stringify(value)).digest('hex').slice(0, 32);
}
