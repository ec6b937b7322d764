import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { ContactErasers } from '../contacts/erasure/contact-eraser';
import { randomBytes, randomUUID } from 'node:crypto';
import { InvalidFieldError, NotFoundError } from '../common/errors';
import { CONFIG } from '../config/config.module';
import type { Config } from '../config/config';
import { ChannelAccountsRepository } from '../channels/accounts/channel-accounts.repository';
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
   * The store a webhook URL names, with its credentials opened to verify the delivery; none for
   * an unknown token or a deleted store. Remembered (a miss too) for WEBHOOK_LOOKUP_CACHE_TTL: a
   * platform posts many deliveries a second to one URL; a deleted store stops being accepted
   * within that time.
   */
  forDelivery(token: string): Promise<{ store: StoreRow; secrets: Record<string, string> } | undefined> {
    return this.byToken.get(token, async () => {
      const store = (await this.stores.findByToken(token)) as (StoreRow & { deleted_at?: Date | null }) | undefined;
      return store && !store.deleted_at ? { store, secrets: this.secrets.open(store.id, store.secrets) } : undefined;
    });
  }

  /** Forgets what forDelivery remembered: a store deleted here answers 404 at once, not after the TTL. */
  forgetWebhookUrls(): void {
    this.byToken.clear();
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
    funnel_id: null,
    received_at: row.received_at.toISOString(),
  };
}
