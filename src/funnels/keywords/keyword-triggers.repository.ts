import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { PG_POOL } from '../../db/database';
import type { CanonicalEvent } from '../../stores/canonical-event';
import type { StoreRules } from '../model';

type Db = Pool | PoolClient;

export type CallbackState = 'none' | 'pending' | 'started' | 'delivered' | 'rejected' | 'failed';

export interface RepliedNotification {
  id: string;
  store_id: string;
  funnel_id: string;
  event_type: string;
  step: number;
}

export interface KeywordTriggerRow {
  id: string;
  account_id: string;
  store_id: string;
  contact_id: string;
  notification_id: string;
  message_id: string;
  keyword: string;
  matched_text: string;
  agent_id: string | null;
  opened_conversation: boolean;
  callback_url: string | null;
  callback_state: CallbackState;
  callback_status: number | null;
  callback_error: string | null;
  callback_finished_at: Date | null;
  created_at: Date;
}

/** A trigger with what an agent (and the store's callback) needs to act on it. */
export interface KeywordTriggerContext extends KeywordTriggerRow {
  contact_name: string | null;
  contact_phone: string | null;
  contact_email: string | null;
  event_type: string;
  step: number;
  funnel_id: string;
  funnel: string;
  funnel_event: CanonicalEvent;
  store_event_id: string | null;
  store_secrets: string | null;
  /** When the customer's message arrived. */
  message_at: Date;
}

const CONTEXT = `
  SELECT t.*, c.name AS contact_name,
         coalesce((SELECT i.value FROM contact_identities i WHERE i.account_id = t.account_id AND i.contact_id = t.contact_id AND i.kind = 'phone' ORDER BY i.created_at LIMIT 1),
                  (SELECT '+' || i.value FROM contact_identities i WHERE i.account_id = t.account_id AND i.contact_id = t.contact_id AND i.kind = 'whatsapp'
                      AND i.value ~ '^[0-9]+$' ORDER BY i.created_at LIMIT 1)) AS contact_phone,
         (SELECT i.value FROM contact_identities i WHERE i.account_id = t.account_id AND i.contact_id = t.contact_id AND i.kind = 'email' ORDER BY i.created_at LIMIT 1) AS contact_email,
         n.event_type, n.step, n.funnel_id, f.funnel, f.event AS funnel_event,
         (SELECT e.id::text FROM store_events e WHERE e.store_id = t.store_id AND e.funnel_id = f.id ORDER BY e.received_at DESC LIMIT 1) AS store_event_id,
         s.secrets AS store_secrets, m.created_at AS message_at
    FROM keyword_triggers t
    JOIN messages m ON m.id = t.message_id
    JOIN contacts c ON c.account_id = t.account_id AND c.id = t.contact_id
    JOIN notifications n ON n.id = t.notification_id
    JOIN funnels f ON f.id = n.funnel_id
    JOIN stores s ON s.id = t.store_id`;

/** The only place that runs SQL for replies to funnel messages and the keyword triggers they cause. */
@Injectable()
export class KeywordTriggersRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * The last funnel message sent to the contact in the `windowMs` before `at`, marked replied
   * (first reply only). Inbound timestamps have whole seconds (WhatsApp): a reply within the
   * second of the send still counts.
   */
  async markReplied(db: PoolClient, accountId: string, contactId: string, at: Date, windowMs: number): Promise<RepliedNotification | undefined> {
    const { rows } = await db.query<RepliedNotification>(
      `WITH last AS (
         SELECT id FROM notifications
          WHERE account_id = $1 AND contact_id = $2 AND state = 'sent'
            AND sent_at < $3::timestamptz + interval '1 second' AND sent_at > $3::timestamptz - make_interval(secs => $4 / 1000.0)
          ORDER BY sent_at DESC LIMIT 1
       )
       UPDATE notifications n SET replied_at = coalesce(n.replied_at, $3) FROM last WHERE n.id = last.id
       RETURNING n.id, n.store_id, n.funnel_id, n.event_type, n.step`,
      [accountId, contactId, at, windowMs],
    );
    return rows[0];
  }

  /** The store's rules, when it is still there (a deleted store's keywords do nothing). */
  async rulesOf(db: PoolClient, storeId: string): Promise<(StoreRules & { callback_url?: string }) | undefined> {
    const { rows } = await db.query<{ rules: StoreRules }>('SELECT rules FROM stores WHERE id = $1 AND deleted_at IS NULL', [storeId]);
    return rows[0]?.rules;
  }

  async assignedAgent(db: PoolClient, accountId: string, contactId: string): Promise<string | null> {
    const { rows } = await db.query<{ assigned_agent_id: string | null }>('SELECT assigned_agent_id FROM contacts WHERE account_id = $1 AND id = $2', [accountId, contactId]);
    return rows[0]?.assigned_agent_id ?? null;
  }

  async insert(db: PoolClient, t: Omit<KeywordTriggerRow, 'callback_status' | 'callback_error' | 'callback_finished_at' | 'created_at'>): Promise<KeywordTriggerRow> {
    const { rows } = await db.query<KeywordTriggerRow>(
      `INSERT INTO keyword_triggers (id, account_id, store_id, contact_id, notification_id, message_id, keyword, matched_text, agent_id,
                                     opened_conversation, callback_url, callback_state)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING *`,
      [t.id, t.account_id, t.store_id, t.contact_id, t.notification_id, t.message_id, t.keyword, t.matched_text, t.agent_id,
        t.opened_conversation, t.callback_url, t.callback_state],
    );
    return rows[0];
  }

  async list(accountId: string, storeId: string, limit: number): Promise<KeywordTriggerContext[]> {
    const { rows } = await this.pool.query<KeywordTriggerContext>(
      `${CONTEXT} WHERE t.account_id = $1 AND t.store_id = $2 ORDER BY t.created_at DESC, t.id DESC LIMIT $3`,
      [accountId, storeId, limit],
    );
    return rows;
  }

  async context(accountId: string, id: string, db: Db = this.pool): Promise<KeywordTriggerContext | undefined> {
    return (await db.query<KeywordTriggerContext>(`${CONTEXT} WHERE t.account_id = $1 AND t.id = $2`, [accountId, id])).rows[0];
  }

  /** Callbacks whose workflow is still to start (the reply's transaction could not start it). */
  async pending(limit: number): Promise<Array<Pick<KeywordTriggerRow, 'id' | 'account_id' | 'contact_id'>>> {
    const { rows } = await this.pool.query<Pick<KeywordTriggerRow, 'id' | 'account_id' | 'contact_id'>>(
      "SELECT id, account_id, contact_id FROM keyword_triggers WHERE callback_state = 'pending' ORDER BY created_at LIMIT $1",
      [limit],
    );
    return rows;
  }

  async markStarted(id: string): Promise<void> {
    await this.pool.query("UPDATE keyword_triggers SET callback_state = 'started' WHERE id = $1 AND callback_state = 'pending'", [id]);
  }

  async finish(accountId: string, id: string, outcome: { state: 'delivered' | 'rejected' | 'failed'; status: number | null; error: string | null }): Promise<void> {
    await this.pool.query(
      `UPDATE keyword_triggers SET callback_state = $3, callback_status = $4, callback_error = $5, callback_finished_at = now()
        WHERE account_id = $1 AND id = $2 AND callback_state IN ('pending', 'started')`,
      [accountId, id, outcome.state, outcome.status, outcome.error],
    );
  }

  /** LGPD erasure: the contact's triggers (they quote what the customer wrote). */
  async deleteOfContact(tx: PoolClient, accountId: string, contactId: string): Promise<number> {
    const { rowCount } = await tx.query('DELETE FROM keyword_triggers WHERE account_id = $1 AND contact_id = $2', [accountId, contactId]);
    return rowCount ?? 0;
  }
}
