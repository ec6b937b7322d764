import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { ContactErasers } from '../contacts/erasure/contact-eraser';
import { randomBytes, randomUUID } from 'node:crypto';
import { InvalidFieldError, NotFoundError } from '../common/errors';
import { CONFIG } from '../config/config.module';
import type { Config } from '../config/config';
import { ChannelAccountsRepository } from '../channels/accounts/channel-accounts.repository';
import { inTransaction, PG_POOL } from '../db/database';
import { FunnelsRepository } from '../funnels/funnels.repository';
import { FunnelsService } from '../funnels/funnels.service';
import { OutboxService } from '../funnels/outbox/outbox.service';
import type { Pool } from 'pg';
import { SEALED_COLUMNS } from '../secrets/sealed-columns';
import { SealedJson } from '../secrets/sealed-json';
import { TtlCache } from '../webhooks/ttl-cache';
import type { CreateStoreDto, StoreEventView, StoreView } from './stores.dto';
import { StoresRepository, type StoreEventRow, type StoreEventStatus, type StoreRow } from './stores.repository';

/** Stores: connected to a sending channel account, each with its own webhook URL and sealed credentials. */
@Injectable()
export class StoresService implements OnModuleInit {
  private readonly secrets: SealedJson;
  private readonly byToken: TtlCache<string, { store: StoreRow; secrets: Record<string, string> } | undefined>;

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    private readonly stores: StoresRepository,
    private readonly channelAccounts: ChannelAccountsRepository,
    private readonly erasers: ContactErasers,
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly funnelsRepository: FunnelsRepository,
    private readonly funnels: FunnelsService,
    private readonly outbox: OutboxService,
  ) {
    this.secrets = new SealedJson(config.secrets, SEALED_COLUMNS.storeSecrets);
    this.byToken = new TtlCache(config.webhooks.lookupCacheTtlMs);
  }

  onModuleInit() {
    this.erasers.register({ name: 'store_events', erase: (tx, contact) => this.stores.deleteEventsOfContact(tx, contact.accountId, contact.id, contact.terms) });
  }

  async create(accountId: string, dto: CreateStoreDto): Promise<StoreView> {
    if (!(await this.channelAccounts.findById(accountId, dto.channel_account_id))) {
      throw new InvalidFieldError('channel_account_id', `channel account ${dto.channel_account_id} is not one of this account's (GET /v1/channel-accounts)`);
    }
    const secrets = dto.secrets ?? {};
    for (const [key, value] of Object.entries(secrets)) {
      if (typeof value !== 'string' || value.length === 0 || value.length > 4096) throw new InvalidFieldError(`secrets.${key}`, 'must be a string of 1 to 4096 characters');
    }
    const id = randomUUID();
    const row = await this.stores.insert({
      id,
      account_id: accountId,
      platform: dto.platform,
      name: dto.name,
      channel_account_id: dto.channel_account_id,
      webhook_token: randomBytes(32).toString('base64url'),
      secrets: this.secrets.seal(id, secrets),
    });
    return this.view(row);
  }

  async get(accountId: string, id: string): Promise<StoreView> {
    return this.view(await this.find(accountId, id));
  }

  async list(accountId: string, limit: number): Promise<StoreView[]> {
    return (await this.stores.list(accountId, limit)).map((r) => this.view(r));
  }

  async events(accountId: string, id: string, filter: { status?: StoreEventStatus; limit: number }): Promise<StoreEventView[]> {
    const store = await this.find(accountId, id);
    return (await this.stores.events(store, filter)).map(eventView);
  }

  /**
   * Deleted: the webhook URL answers 404 from now on, every open funnel is cancelled and every
   * queued message with it (in one transaction); sent messages, events and statistics stay.
   */
  async delete(accountId: string, id: string): Promise<void> {
    const cancelled = await inTransaction(this.pool, async (db) => {
      if (!(await this.stores.markDeleted(db, accountId, id))) throw new NotFoundError('store', id);
      return this.funnelsRepository.cancelStore(db, id);
    });
    this.forgetWebhookUrls();
    // The funnels already know from the database; waking them ends their workflows now, not at their next timer.
    void this.funnels.wake(cancelled);
  }

  /**
   * Disconnected: events are still received and recorded and funnels still start, but every
   * funnel waits before its next step and queued messages are held; connected again, each funnel
   * sends its latest due step (stale reminders are skipped) and held messages go out unless
   * they expired (OUTBOX_EXPIRE_AFTER).
   */
  async setConnected(accountId: string, id: string, connected: boolean): Promise<StoreView> {
    const row = await this.stores.setConnected(accountId, id, connected);
    if (!row) throw new NotFoundError('store', id);
    if (connected) {
      void this.funnels.wakeStore(id).catch(() => undefined);
      // Its held messages go now, not at the next sweep.
      void this.outbox.wake(accountId, row.channel_account_id).catch(() => undefined);
    }
    return this.view(row);
  }

  /**
   * The store a webhook URL names, with its credentials opened to verify the delivery; none for
   * an unknown token or a deleted store. Remembered (a miss too) for WEBHOOK_LOOKUP_CACHE_TTL: a
   * platform posts many deliveries a second to one URL; another process's deletion is seen
   * within that time (this process's at once: delete forgets).
   */
  forDelivery(token: string): Promise<{ store: StoreRow; secrets: Record<string, string> } | undefined> {
    return this.byToken.get(token, async () => {
      const store = await this.stores.findByToken(token);
      return store && { store, secrets: this.secrets.open(store.id, store.secrets) };
    });
  }

  /** Forgets what forDelivery remembered: a store deleted here answers 404 at once, not after the TTL. */
  forgetWebhookUrls(): void {
    this.byToken.clear();
  }

  /** The store with its credentials opened, for a request to its platform (a payment link). */
  async withSecrets(accountId: string, id: string): Promise<{ store: StoreRow; secrets: Record<string, string> }> {
    const store = await this.find(accountId, id);
    return { store, secrets: this.secrets.open(store.id, store.secrets) };
  }

  private async find(accountId: string, id: string): Promise<StoreRow> {
    const store = await this.stores.findById(accountId, id);
    if (!store) throw new NotFoundError('store', id);
    return store;
  }

  private view(row: StoreRow): StoreView {
    return {
      id: row.id,
      platform: row.platform,
      name: row.name,
      channel_account_id: row.channel_account_id,
      webhook_url: `${this.config.api.publicUrl}/v1/hooks/stores/${row.webhook_token}`,
      secret_names: Object.keys(this.secrets.open(row.id, row.secrets)).sort(),
      connected: row.disconnected_at === null,
      created_at: row.created_at.toISOString(),
    };
  }
}

function eventView(row: StoreEventRow): StoreEventView {
  return {
    id: row.id,
    status: row.status,
    reason: row.reason,
    platform_event_type: row.platform_event_type,
    canonical_type: row.canonical_type,
    contact_id: row.contact_id,
    customer: row.event ? { ...row.event.customer } : null,
    order_id: row.order_id,
    cart_id: row.cart_id,
    amount: row.event?.amount ? { amount_minor: row.event.amount.amountMinor, currency: row.event.amount.currency } : null,
    funnel_id: row.funnel_id,
    received_at: row.received_at.toISOString(),
  };
}
