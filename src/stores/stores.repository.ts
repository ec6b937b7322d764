import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { PG_POOL } from '../db/database';
import type { CanonicalEvent, StorePlatform } from './canonical-event';

type Db = Pool | PoolClient;

/** The route hint a store's deliveries are stored with: `<platform>:<store id>` (the handler picks the adapter by it). */
export function storeRouteHint(platform: StorePlatform, storeId: string): string {
  return `${platform}:${storeId}`;
}

export interface StoreRow {
  id: string;
  account_id: string;
  platform: StorePlatform;
  name: string;
  channel_account_id: string;
  webhook_token: string;
  /** Sealed (ChannelSecrets-style envelope for `stores.secrets:<id>`). */
  secrets: string | null;
  created_at: Date;
  /** Deleted: its webhook URL answers 404, its funnels and queued messages are cancelled; its history stays. */
  deleted_at: Date | null;
  /** Disconnected: its funnels wait and its queued messages are held until it is connected again. */
  disconnected_at: Date | null;
}

export type StoreEventStatus = 'mapped' | 'unmapped' | 'invalid' | 'duplicate' | 'ignored';

export interface StoreEventRow {
  id: string;
  status: StoreEventStatus;
  reason: string | null;
  platform_event_type: string | null;
  canonical_type: string | null;
  contact_id: string | null;
  order_id: string | null;
  cart_id: string | null;
  event: CanonicalEvent | null;
  funnel_id: string | null;
  received_at: Date;
}

/** The only place that runs SQL for stores and their events. */
@Injectable()
export class StoresRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async insert(s: Omit<StoreRow, 'created_at' | 'deleted_at' | 'disconnected_at'>): Promise<StoreRow> {
    const { rows } = await this.pool.query<StoreRow>(
      `INSERT INTO stores (id, account_id, platform, name, channel_account_id, webhook_token, secrets)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [s.id, s.account_id, s.platform, s.name, s.channel_account_id, s.webhook_token, s.secrets],
    );
    return rows[0];
  }

  async findById(accountId: string, id: string, db: Db = this.pool): Promise<StoreRow | undefined> {
    return (await db.query<StoreRow>('SELECT * FROM stores WHERE account_id = $1 AND id = $2 AND deleted_at IS NULL', [accountId, id])).rows[0];
  }

  /** A store's webhook URL stops working, its funnels and queued messages are cancelled (in `db`, with FunnelsRepository.cancelStore). */
  async markDeleted(db: PoolClient, accountId: string, id: string): Promise<boolean> {
    const { rowCount } = await db.query('UPDATE stores SET deleted_at = now() WHERE account_id = $1 AND id = $2 AND deleted_at IS NULL', [accountId, id]);
    return (rowCount ?? 0) > 0;
  }

  async setConnected(accountId: string, id: string, connected: boolean): Promise<StoreRow | undefined> {
    const { rows } = await this.pool.query<StoreRow>(
      `UPDATE stores SET disconnected_at = CASE WHEN $3 THEN NULL ELSE coalesce(disconnected_at, now()) END
        WHERE account_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING *`,
      [accountId, id, connected],
    );
    return rows[0];
  }

  /** Any account's store, for the deliveries its webhook URL (or route hint) names. */
  async findByToken(token: string): Promise<StoreRow | undefined> {
    return (await this.pool.query<StoreRow>('SELECT * FROM stores WHERE webhook_token = $1 AND deleted_at IS NULL', [token])).rows[0];
  }

  async findAnyById(id: string): Promise<StoreRow | undefined> {
    return (await this.pool.query<StoreRow>('SELECT * FROM stores WHERE id = $1', [id])).rows[0];
  }

  async list(accountId: string, limit: number): Promise<StoreRow[]> {
    return (await this.pool.query<StoreRow>('SELECT * FROM stores WHERE account_id = $1 AND deleted_at IS NULL ORDER BY created_at DESC, id LIMIT $2', [accountId, limit]))
      .rows;
  }

  async recordEvent(
    db: PoolClient,
    e: {
      storeId: string;
      accountId: string;
      webhookId: string;
      dedupeKey: string;
      status: Exclude<StoreEventStatus, 'invalid'>;
      reason: string | null;
      platformEventType: string;
      event: CanonicalEvent | null;
      contactId: string | null;
      funnelId?: string | null;
    },
  ): Promise<void> {
    await db.query(
      `INSERT INTO store_events (store_id, account_id, webhook_id, dedupe_key, status, reason, platform_event_type, canonical_type,
                                 contact_id, order_id, cart_id, event, funnel_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [e.storeId, e.accountId, e.webhookId, e.dedupeKey, e.status, e.reason, e.platformEventType, e.event?.type ?? null,
        e.contactId, e.event?.orderId ?? null, e.event?.cartId ?? null, e.event ? JSON.stringify(e.event) : null, e.funnelId ?? null],
    );
  }

  /**
   * A store's events, newest first: those read from its deliveries, and (status `invalid`) the
   * deliveries nothing could be read from, with the reason.
   */
  async events(store: Pick<StoreRow, 'id' | 'platform'>, filter: { status?: StoreEventStatus; limit: number }): Promise<StoreEventRow[]> {
    const { rows } = await this.pool.query<StoreEventRow>(
      `SELECT * FROM (
         SELECT id::text, status, reason, platform_event_type, canonical_type, contact_id, order_id, cart_id, event, funnel_id, received_at
           FROM store_events WHERE store_id = $1 AND ($2::text IS NULL OR status = $2)
         UNION ALL
         SELECT 'delivery-' || id, 'invalid', error, NULL, NULL, NULL, NULL, NULL, NULL, NULL, received_at
           FROM inbound_webhooks WHERE provider = 'store' AND route_hint = $4 AND status = 'invalid'
            AND ($2::text IS NULL OR $2 = 'invalid')
       ) e ORDER BY received_at DESC, id DESC LIMIT $3`,
      [store.id, filter.status ?? null, filter.limit, storeRouteHint(store.platform, store.id)],
    );
    return rows;
  }

  /** LGPD erasure: the contact's store events, and any other that names one of their identities. */
  async deleteEventsOfContact(tx: PoolClient, accountId: string, contactId: string, terms: string[]): Promise<number> {
    const { rowCount } = await tx.query(
      `DELETE FROM store_events WHERE account_id = $1
          AND (contact_id = $2 OR EXISTS (SELECT 1 FROM unnest($3::text[]) t WHERE strpos(event::text, t) > 0))`,
      [accountId, contactId, terms],
    );
    return rowCount ?? 0;
  }
}
