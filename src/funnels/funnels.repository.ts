import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { PG_POOL } from '../db/database';
import type { CanonicalEvent } from '../stores/canonical-event';
import { DEFAULT_FUNNEL_CONFIGS, PAID, funnelId, type FunnelActions, type FunnelConfig } from './funnel-plan';
import type { FunnelName, FunnelRow, FunnelState } from './model';

type Db = Pool | PoolClient;

const OPEN = `state IN ('starting', 'running')`;
/** A cart is superseded by an order placed up to this long before the cart event says it was abandoned. */
const CART_LOOKBACK = '1 day';

/** What a store event did to the store's funnels. */
export interface FunnelEffects {
  /** The funnel the event started or updated (null: the event names no customer). */
  funnelId: string | null;
  /** A new funnel whose workflow must start after the commit. */
  started: boolean;
  /** Funnels the event ended, whose workflows should look again now. */
  ended: string[];
}

/** A funnel with what its next step depends on: the store's state and its configuration. */
export interface FunnelContext extends FunnelRow {
  store_name: string;
  channel_account_id: string;
  store_deleted: boolean;
  paused: boolean;
  config: FunnelConfig;
}

/** The only place that runs SQL for funnels and their per-store configuration. */
@Injectable()
export class FunnelsRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * Inside the store event's transaction: ends the funnels the event settles, then starts (or
   * updates) the one it feeds — unless the order was paid already, or the customer placed an
   * order since the cart was abandoned (events of one order or customer can arrive in any order).
   * Locks per order and per customer so two deliveries of one order never race past each other.
   */
  async applyEvent(db: PoolClient, e: { accountId: string; storeId: string; contactId: string; event: CanonicalEvent; actions: FunnelActions }): Promise<FunnelEffects> {
    const { storeId, event, actions } = e;
    await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`customer:${storeId}:${e.contactId}`]);
    if (event.orderId) await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`order:${storeId}:${event.orderId}`]);
    const ended: string[] = [];
    if (actions.stopsOrderFunnels.length && event.orderId) {
      const reason = `order ${event.orderId} was ${event.type === 'refunded' ? 'refunded' : event.type === 'order_cancelled' ? 'cancelled' : 'paid'}`;
      ended.push(...(await this.end(db, 'stopped', reason, `store_id = $3 AND subject = $4 AND funnel = ANY($5)`, [storeId, event.orderId, actions.stopsOrderFunnels])));
    }
    if (actions.stopsCarts) {
      const reason = `the customer placed order ${event.orderId ?? '(no id)'}`;
      ended.push(...(await this.end(db, 'stopped', reason, `store_id = $3 AND contact_id = $4 AND funnel = 'cart_abandoned'`, [storeId, e.contactId])));
    }

    const { funnel, subject } = actions.start;
    const id = funnelId(storeId, funnel, subject);
    const settled = await this.alreadySettled(db, e, funnel);
    const { rows } = await db.query<{ inserted: boolean }>(
      `INSERT INTO funnels (id, account_id, store_id, contact_id, funnel, subject, event, state, reason, finished_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CASE WHEN $8 = 'starting' THEN NULL ELSE now() END)
       ON CONFLICT (id) DO UPDATE
         SET event = jsonb_set(funnels.event, '{artefacts}', (funnels.event -> 'artefacts') || (EXCLUDED.event -> 'artefacts')), updated_at = now()
       RETURNING (xmax = 0) AS inserted`,
      [id, e.accountId, storeId, e.contactId, funnel, subject, JSON.stringify(event), settled ? 'stopped' : 'starting', settled],
    );
    return { funnelId: id, started: rows[0].inserted && !settled, ended };
  }

  /** Why a funnel about to start has nothing to do, or null. */
  private async alreadySettled(db: PoolClient, e: { storeId: string; contactId: string; event: CanonicalEvent }, funnel: FunnelName): Promise<string | null> {
    if (funnel === 'cart_abandoned') {
      const since = e.event.occurredAt ?? null;
      const { rows } = await db.query(
        `SELECT 1 FROM store_events WHERE store_id = $1 AND contact_id = $2 AND status = 'mapped'
            AND canonical_type IN ('boleto_issued', 'boleto_printed', 'pix_issued', 'card_declined', 'payment_approved', 'order_paid')
            AND coalesce((event ->> 'occurredAt')::timestamptz, received_at) >= coalesce($3::timestamptz, now()) - interval '${CART_LOOKBACK}'
          LIMIT 1`,
        [e.storeId, e.contactId, since],
      );
      return rows.length ? 'the customer placed an order after abandoning the cart' : null;
    }
    if (['boleto_issued', 'pix_issued', 'card_declined'].includes(funnel) && e.event.orderId) {
      const { rows } = await db.query<{ canonical_type: string }>(
        `SELECT canonical_type FROM store_events WHERE store_id = $1 AND order_id = $2 AND status = 'mapped' AND canonical_type = ANY($3) LIMIT 1`,
        [e.storeId, e.event.orderId, [...PAID, 'refunded', 'order_cancelled']],
      );
      const settledAs: Record<string, string> = { refunded: 'refunded', order_cancelled: 'cancelled' };
      if (rows.length) return `order ${e.event.orderId} was ${settledAs[rows[0].canonical_type] ?? 'paid'}`;
    }
    return null;
  }

  /** Ends open funnels matching `where` (parameters from $3) and cancels their queued messages. */
  private async end(db: Db, state: Exclude<FunnelState, 'starting' | 'running'>, reason: string, where: string, params: unknown[]): Promise<string[]> {
    const { rows } = await db.query<{ id: string }>(
      `UPDATE funnels SET state = $1, reason = $2, finished_at = now(), updated_at = now() WHERE ${OPEN} AND ${where} RETURNING id`,
      [state, reason, ...params],
    );
    const ids = rows.map((r) => r.id);
    if (ids.length) {
      await db.query(`UPDATE notifications SET state = 'cancelled', reason = $2 WHERE funnel_id = ANY($1) AND state = 'queued'`, [ids, reason]);
    }
    return ids;
  }

  /** "Mark as paid" by hand: the order's payment reminders end. */
  async stopOrder(accountId: string, storeId: string, orderId: string, reason: string): Promise<string[]> {
    return this.end(this.pool, 'stopped', reason, `account_id = $3 AND store_id = $4 AND subject = $5 AND funnel IN ('boleto_issued', 'pix_issued', 'card_declined')`, [
      accountId,
      storeId,
      orderId,
    ]);
  }

  /** Funnels a paid checkout intent started (its abandoned-checkout funnel): they end in `db`'s transaction. */
  async stopFunnels(db: Db, ids: string[], reason: string): Promise<string[]> {
    return ids.length ? this.end(db, 'stopped', reason, 'id = ANY($3)', [ids]) : [];
  }

  /** A deleted store's funnels end and their queued messages are cancelled. */
  async cancelStore(db: Db, storeId: string): Promise<string[]> {
    return this.end(db, 'cancelled', 'the store was deleted', 'store_id = $3', [storeId]);
  }

  async openIds(storeId: string, page: { limit: number; afterId: string; funnel?: FunnelName }): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string }>(
      `SELECT id FROM funnels WHERE store_id = $1 AND ${OPEN} AND id > $2 AND ($4::text IS NULL OR funnel = $4) ORDER BY id LIMIT $3`,
      [storeId, page.afterId, page.limit, page.funnel ?? null],
    );
    return rows.map((r) => r.id);
  }

  async context(id: string): Promise<FunnelContext | undefined> {
    const { rows } = await this.pool.query<FunnelContext & { saved: { enabled: boolean; config: FunnelConfig } | null }>(
      `SELECT f.*, s.name AS store_name, s.channel_account_id, s.deleted_at IS NOT NULL AS store_deleted,
              (s.disconnected_at IS NOT NULL OR ca.disconnected_at IS NOT NULL) AS paused,
              (SELECT jsonb_build_object('enabled', sf.enabled, 'config', sf.config) FROM store_funnels sf WHERE sf.store_id = f.store_id AND sf.funnel = f.funnel) AS saved
         FROM funnels f JOIN stores s ON s.id = f.store_id LEFT JOIN channel_accounts ca ON ca.id = s.channel_account_id
        WHERE f.id = $1`,
      [id],
    );
    const row = rows[0];
    if (!row) return undefined;
    const { saved, ...funnel } = row;
    return { ...funnel, config: saved ? { ...saved.config, enabled: saved.enabled } : DEFAULT_FUNNEL_CONFIGS[funnel.funnel] };
  }

  async markRunning(id: string, step: number): Promise<void> {
    await this.pool.query(`UPDATE funnels SET state = 'running', step = greatest(step, $2), updated_at = now() WHERE id = $1 AND ${OPEN}`, [id, step]);
  }

  async finish(id: string, state: Exclude<FunnelState, 'starting' | 'running'>, reason: string): Promise<void> {
    await this.pool.query(`UPDATE funnels SET state = $2, reason = $3, finished_at = now(), updated_at = now() WHERE id = $1 AND ${OPEN}`, [id, state, reason]);
  }

  /** Funnels whose workflow may not have started (Temporal was down at the commit). */
  async listStarting(olderThanMs: number, limit: number): Promise<FunnelRow[]> {
    const { rows } = await this.pool.query<FunnelRow>(
      `SELECT * FROM funnels WHERE state = 'starting' AND started_at < now() - make_interval(secs => $1 / 1000.0) ORDER BY started_at LIMIT $2`,
      [olderThanMs, limit],
    );
    return rows;
  }

  async findById(accountId: string, id: string): Promise<FunnelRow | undefined> {
    return (await this.pool.query<FunnelRow>('SELECT * FROM funnels WHERE account_id = $1 AND id = $2', [accountId, id])).rows[0];
  }

  async list(storeId: string, filter: { state?: FunnelState; funnel?: FunnelName; limit: number }): Promise<FunnelRow[]> {
    const { rows } = await this.pool.query<FunnelRow>(
      `SELECT * FROM funnels WHERE store_id = $1 AND ($2::text IS NULL OR state = $2) AND ($3::text IS NULL OR funnel = $3)
        ORDER BY started_at DESC, id LIMIT $4`,
      [storeId, filter.state ?? null, filter.funnel ?? null, filter.limit],
    );
    return rows;
  }

  /** LGPD erasure: the contact's funnels, and with them their messages in the outbox and tracked links. */
  async deleteOfContact(tx: PoolClient, accountId: string, contactId: string): Promise<number> {
    const { rowCount } = await tx.query('DELETE FROM funnels WHERE account_id = $1 AND contact_id = $2', [accountId, contactId]);
    return rowCount ?? 0;
  }

  async configs(storeId: string): Promise<Record<FunnelName, FunnelConfig>> {
    const { rows } = await this.pool.query<{ funnel: FunnelName; enabled: boolean; config: FunnelConfig }>('SELECT funnel, enabled, config FROM store_funnels WHERE store_id = $1', [
      storeId,
    ]);
    const out = { ...DEFAULT_FUNNEL_CONFIGS };
    for (const r of rows) out[r.funnel] = { ...r.config, enabled: r.enabled };
    return out;
  }

  async saveConfig(storeId: string, funnel: FunnelName, config: FunnelConfig): Promise<void> {
    const { enabled, ...rest } = config;
    await this.pool.query(
      `INSERT INTO store_funnels (store_id, funnel, enabled, config) VALUES ($1, $2, $3, $4)
       ON CONFLICT (store_id, funnel) DO UPDATE SET enabled = EXCLUDED.enabled, config = EXCLUDED.config, updated_at = now()`,
      [storeId, funnel, enabled, JSON.stringify(rest)],
    );
  }
}
