import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { inTransaction, PG_POOL } from '../../db/database';
import type { NotificationRow, NotificationState, StoreRules } from '../model';
import { HELD } from './rules';

type Db = Pool | PoolClient;

/** A due notification with what the rules read about it, locked by the take transaction. */
export interface DueNotification extends NotificationRow {
  store_deleted: boolean;
  store_disconnected: boolean;
  store_rules: StoreRules;
  instance_disconnected: boolean;
  plan: string;
  contact_time_zone: string | null;
  contact_opt_ins: Record<string, boolean> | null;
  contact_phone: string | null;
}

/**
 * A notification marked held whose store or instance is still disconnected is not due (until it
 * expires): connecting again makes it due without anyone touching the row.
 */
const STILL_HELD = `(coalesce(n.reason, '') LIKE '${HELD}%' AND n.expires_at > $2 AND s.deleted_at IS NULL
                     AND (s.disconnected_at IS NOT NULL OR ca.disconnected_at IS NOT NULL))`;

/** Due at $2: its time has come (or it has expired, even while waiting), and it is not held. */
const DUE = `(n.not_before <= $2 OR n.expires_at <= $2) AND NOT ${STILL_HELD}`;

/** The only place that runs SQL for the paced outbox (notifications, outbox_instances) and stores' rules. */
@Injectable()
export class OutboxRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  transaction<T>(fn: (db: PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, fn);
  }


  /** Locks the instance's pacing row (one take at a time per instance) and reads the clock after the lock. */
  async lockInstance(db: PoolClient, accountId: string, channelAccountId: string): Promise<{ lastSentAt: Date | null; now: Date }> {
    await db.query('INSERT INTO outbox_instances (channel_account_id, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [channelAccountId, accountId]);
    const { rows } = await db.query<{ last_sent_at: Date | null }>('SELECT last_sent_at FROM outbox_instances WHERE channel_account_id = $1 FOR UPDATE', [
      channelAccountId,
    ]);
    const now = (await db.query<{ now: Date }>('SELECT clock_timestamp() AS now')).rows[0].now;
    return { lastSentAt: rows[0].last_sent_at, now };
  }

  /** Sends of one account are decided one at a time, so the daily limit and the contact's cap hold over its instances. */
  async lockAccount(db: PoolClient, accountId: string): Promise<void> {
    await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`outbox-account:${accountId}`]);
  }

  async nextDue(db: PoolClient, channelAccountId: string, now: Date): Promise<DueNotification | undefined> {
    const { rows } = await db.query<DueNotification>(
      `SELECT n.*, s.deleted_at IS NOT NULL AS store_deleted, s.disconnected_at IS NOT NULL AS store_disconnected, s.rules AS store_rules,
              coalesce(ca.disconnected_at IS NOT NULL, false) AS instance_disconnected, a.plan,
              c.time_zone AS contact_time_zone, c.opt_ins AS contact_opt_ins,
              (SELECT i.value FROM contact_identities i WHERE i.account_id = n.account_id AND i.contact_id = n.contact_id AND i.kind IN ('whatsapp', 'phone')
                ORDER BY i.kind = 'whatsapp' DESC, i.created_at LIMIT 1) AS contact_phone
         FROM notifications n
         JOIN stores s ON s.id = n.store_id
         JOIN accounts a ON a.id = n.account_id
         LEFT JOIN channel_accounts ca ON ca.id = n.channel_account_id
         LEFT JOIN contacts c ON c.account_id = n.account_id AND c.id = n.contact_id
        WHERE n.channel_account_id = $1 AND n.state = 'queued' AND ${DUE}
        ORDER BY least(n.not_before, n.expires_at), n.created_at, n.id
        LIMIT 1 FOR UPDATE OF n SKIP LOCKED`,
      [channelAccountId, now],
    );
    return rows[0];
  }

  /** When the instance's next notification is due (a held one: when it expires); null when none is queued. */
  async nextDueAt(db: Db, channelAccountId: string, now: Date): Promise<Date | null> {
    const { rows } = await db.query<{ at: Date | null }>(
      `SELECT min(CASE WHEN ${STILL_HELD} THEN n.expires_at ELSE least(n.not_before, n.expires_at) END) AS at
         FROM notifications n JOIN stores s ON s.id = n.store_id LEFT JOIN channel_accounts ca ON ca.id = n.channel_account_id
        WHERE n.channel_account_id = $1 AND n.state = 'queued'`,
      [channelAccountId, now],
    );
    return rows[0].at;
  }

  async countSentToContact(db: Db, accountId: string, contactId: string, since: Date): Promise<number> {
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM notifications
        WHERE account_id = $1 AND contact_id = $2 AND state = 'sent' AND sent_at >= $3 AND category <> 'transactional'`,
      [accountId, contactId, since],
    );
    return rows[0].n;
  }

  async countSentByAccount(db: Db, accountId: string, since: Date): Promise<number> {
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM notifications WHERE account_id = $1 AND state = 'sent' AND sent_at >= $2`, [
      accountId,
      since,
    ]);
    return rows[0].n;
  }

  /** Ends a notification that will not be sent, with its reason. */
  async finish(db: Db, id: string, state: Exclude<NotificationState, 'queued' | 'sent'>, reason: string): Promise<void> {
    await db.query(`UPDATE notifications SET state = $2, reason = $3 WHERE id = $1 AND state = 'queued'`, [id, state, reason]);
  }

  /** Still queued: why, and not before when. */
  async postpone(db: Db, id: string, reason: string, notBefore: Date | null): Promise<void> {
    await db.query(`UPDATE notifications SET reason = $2, not_before = coalesce($3::timestamptz, not_before) WHERE id = $1 AND state = 'queued'`, [id, reason, notBefore]);
  }

  async markSent(db: Db, id: string, dispatchId: string, at: Date): Promise<void> {
    await db.query(`UPDATE notifications SET state = 'sent', reason = NULL, dispatch_id = $2, sent_at = $3 WHERE id = $1 AND state = 'queued'`, [id, dispatchId, at]);
  }

  /** Compare-and-set of the instance's last send: false when another run sent since `previous` was read. */
  async recordSend(db: Db, channelAccountId: string, previous: Date | null, at: Date): Promise<boolean> {
    const { rowCount } = await db.query(
      `UPDATE outbox_instances SET last_sent_at = $3, sends = sends + 1
        WHERE channel_account_id = $1 AND last_sent_at IS NOT DISTINCT FROM $2`,
      [channelAccountId, previous, at],
    );
    return rowCount === 1;
  }

  // ---- the API's side

  /** Instances with a due notification (held ones only once they expire), for the sweep. */
  async dueInstances(limit: number): Promise<Array<{ account_id: string; channel_account_id: string }>> {
    const { rows } = await this.pool.query<{ account_id: string; channel_account_id: string }>(
      `SELECT DISTINCT n.account_id, n.channel_account_id
         FROM notifications n JOIN stores s ON s.id = n.store_id LEFT JOIN channel_accounts ca ON ca.id = n.channel_account_id
        WHERE n.state = 'queued' AND ${DUE}
        LIMIT $1`,
      [limit, new Date()],
    );
    return rows;
  }

  /** The account's store unless deleted. */
  async liveStore(accountId: string, storeId: string): Promise<{ id: string; rules: StoreRules; channel_account_id: string } | undefined> {
    const { rows } = await this.pool.query<{ id: string; rules: StoreRules; channel_account_id: string }>(
      'SELECT id, rules, channel_account_id FROM stores WHERE account_id = $1 AND id = $2 AND deleted_at IS NULL',
      [accountId, storeId],
    );
    return rows[0];
  }

  async listNotifications(accountId: string, storeId: string, state: NotificationState | undefined, limit: number): Promise<NotificationRow[]> {
    const { rows } = await this.pool.query<NotificationRow>(
      `SELECT * FROM notifications WHERE account_id = $1 AND store_id = $2 AND ($3::text IS NULL OR state = $3)
        ORDER BY created_at DESC, id DESC LIMIT $4`,
      [accountId, storeId, state ?? null, limit],
    );
    return rows;
  }

  async saveRules(accountId: string, storeId: string, rules: StoreRules): Promise<StoreRules | undefined> {
    const { rows } = await this.pool.query<{ rules: StoreRules }>(
      'UPDATE stores SET rules = $3 WHERE account_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING rules',
      [accountId, storeId, JSON.stringify(rules)],
    );
    return rows[0]?.rules;
  }

  /** Sets or clears channel_accounts.disconnected_at (keeping the first disconnection time); undefined: no such instance. */
  async setDisconnected(accountId: string, id: string, disconnected: boolean) {
    const { rows } = await this.pool.query<{ id: string; channel: string; disconnected_at: Date | null; queued: number }>(
      `UPDATE channel_accounts SET disconnected_at = CASE WHEN $3 THEN coalesce(disconnected_at, now()) END
        WHERE account_id = $1 AND id = $2
        RETURNING id, channel, disconnected_at,
                  (SELECT count(*)::int FROM notifications n WHERE n.channel_account_id = $2 AND n.state = 'queued') AS queued`,
      [accountId, id, disconnected],
    );
    return rows[0];
  }
}
