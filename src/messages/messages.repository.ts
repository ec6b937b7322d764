import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { PG_POOL } from '../db/database';

export type OutboundState = 'queued' | 'sending' | 'retrying' | 'accepted' | 'sent' | 'delivered' | 'read' | 'played' | 'failed';
export type ProviderStatus = 'sent' | 'delivered' | 'read' | 'played' | 'failed';

/**
 * Outbound states only move forward (a late "delivered" never overwrites "read"); "failed"
 * may follow any state, because Meta can fail a message it already reported sent.
 */
const FORWARD_ORDER = ['queued', 'sending', 'retrying', 'accepted', 'sent', 'delivered', 'read', 'played'];
function advanceSql(next: number, order: number): string {
  return `CASE
    WHEN state = 'failed' THEN state
    WHEN $${next}::text = 'failed' THEN 'failed'
    WHEN array_position($${order}::text[], $${next}::text) > array_position($${order}::text[], state) THEN $${next}::text
    ELSE state END`;
}

export interface MessageRow {
  id: string;
  account_id: string;
  contact_id: string;
  whatsapp_number_id: string;
  direction: 'outbound' | 'inbound';
  type: string;
  body: Record<string, unknown>;
  state: OutboundState | 'received';
  provider_message_id: string | null;
  idempotency_key: string | null;
  send_attempts: number;
  error: Record<string, unknown> | null;
  created_at: Date;
  updated_at: Date;
  accepted_at: Date | null;
  sent_at: Date | null;
  delivered_at: Date | null;
  read_at: Date | null;
  played_at: Date | null;
  failed_at: Date | null;
}

/** What the send activity needs: the message plus the number it goes out through. */
export interface SendableMessage extends MessageRow {
  phone_number_id: string;
  /** Sealed; the activity opens it (AccessTokens) for the Graph request. */
  access_token: string;
}

type Db = Pool | PoolClient;

/** Meta accepted an outbound message: the contact's last outbound time on WhatsApp moves with it. */
const RECORD_OUTBOUND = `outbound AS (
  INSERT INTO contact_channel_activity (account_id, contact_id, channel, last_outbound_at)
  SELECT account_id, contact_id, 'whatsapp', accepted_at FROM accepted WHERE direction = 'outbound'
  ON CONFLICT (account_id, contact_id, channel)
  DO UPDATE SET last_outbound_at = greatest(contact_channel_activity.last_outbound_at, EXCLUDED.last_outbound_at)
)`;

@Injectable()
export class MessagesRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Returns the new row, or the existing one when the idempotency key was used before. */
  async insertOutbound(m: {
    id: string;
    accountId: string;
    contactId: string;
    numberId: string;
    type: string;
    body: Record<string, unknown>;
    idempotencyKey: string | null;
  }): Promise<{ row: MessageRow; created: boolean }> {
    const inserted = await this.pool.query<MessageRow>(
      `INSERT INTO messages (id, account_id, contact_id, whatsapp_number_id, direction, type, body, state, idempotency_key)
       VALUES ($1, $2, $3, $4, 'outbound', $5, $6, 'queued', $7)
       ON CONFLICT (account_id, idempotency_key) DO NOTHING RETURNING *`,
      [m.id, m.accountId, m.contactId, m.numberId, m.type, m.body, m.idempotencyKey],
    );
    if (inserted.rows[0]) return { row: inserted.rows[0], created: true };
    const existing = await this.pool.query<MessageRow>(
      'SELECT * FROM messages WHERE account_id = $1 AND idempotency_key = $2',
      [m.accountId, m.idempotencyKey],
    );
    return { row: existing.rows[0], created: false };
  }

  async insertInbound(
    m: { accountId: string; contactId: string; numberId: string; type: string; body: unknown; providerMessageId: string; at: Date },
    db: Db = this.pool,
  ): Promise<MessageRow | undefined> {
    const { rows } = await db.query<MessageRow>(
      `INSERT INTO messages (account_id, contact_id, whatsapp_number_id, direction, type, body, state, provider_message_id, created_at)
       VALUES ($1, $2, $3, 'inbound', $4, $5, 'received', $6, $7)
       ON CONFLICT (provider_message_id) DO NOTHING RETURNING *`,
      [m.accountId, m.contactId, m.numberId, m.type, m.body, m.providerMessageId, m.at],
    );
    return rows[0];
  }

  async findById(accountId: string, id: string): Promise<MessageRow | undefined> {
    return (await this.pool.query<MessageRow>('SELECT * FROM messages WHERE account_id = $1 AND id = $2', [accountId, id]))
      .rows[0];
  }

  async list(accountId: string, filter: { contactId?: string; limit: number }): Promise<MessageRow[]> {
    return (
      await this.pool.query<MessageRow>(
        `SELECT * FROM messages WHERE account_id = $1 AND ($2::uuid IS NULL OR contact_id = $2)
          ORDER BY created_at DESC LIMIT $3`,
        [accountId, filter.contactId ?? null, filter.limit],
      )
    ).rows;
  }

  /** Outbound messages still queued after `olderThanMs`: their workflow may never have started. */
  async listStuckQueued(olderThanMs: number, limit: number): Promise<MessageRow[]> {
    return (
      await this.pool.query<MessageRow>(
        `SELECT * FROM messages WHERE direction = 'outbound' AND state = 'queued'
            AND created_at < now() - make_interval(secs => $1 / 1000.0)
          ORDER BY created_at LIMIT $2`,
        [olderThanMs, limit],
      )
    ).rows;
  }

  async loadForSend(accountId: string, id: string): Promise<SendableMessage | undefined> {
    return (
      await this.pool.query<SendableMessage>(
        `SELECT m.*, n.phone_number_id, n.access_token
           FROM messages m JOIN whatsapp_numbers n ON n.account_id = m.account_id AND n.id = m.whatsapp_number_id
          WHERE m.account_id = $1 AND m.id = $2`,
        [accountId, id],
      )
    ).rows[0];
  }

  /** Written before the provider call: a later attempt that finds "sending" knows the outcome is unknown. */
  async markSending(id: string): Promise<void> {
    await this.pool.query(
      `UPDATE messages SET state = 'sending', send_attempts = send_attempts + 1, attempt_started_at = now(),
              updated_at = now() WHERE id = $1 AND provider_message_id IS NULL`,
      [id],
    );
  }

  async markRetrying(id: string, error: Record<string, unknown>): Promise<void> {
    await this.pool.query(
      `UPDATE messages SET state = 'retrying', error = $2, updated_at = now()
        WHERE id = $1 AND provider_message_id IS NULL AND state <> 'failed'`,
      [id, error],
    );
  }

  async markFailed(id: string, error: Record<string, unknown>): Promise<void> {
    await this.pool.query(
      `UPDATE messages SET error = CASE WHEN state = 'failed' THEN error ELSE $2 END, state = 'failed',
              failed_at = coalesce(failed_at, now()), updated_at = now()
        WHERE id = $1`,
      [id, error],
    );
  }

  /** The provider accepted the message and gave its id. A status webhook may have got here first. */
  async markAccepted(id: string, providerMessageId: string): Promise<MessageRow> {
    const { rows } = await this.pool.query<MessageRow>(
      `WITH accepted AS (
         UPDATE messages SET provider_message_id = coalesce(provider_message_id, $2),
                state = ${advanceSql(3, 4)}, accepted_at = coalesce(accepted_at, now()), error = NULL, updated_at = now()
          WHERE id = $1 RETURNING *
       ), ${RECORD_OUTBOUND}
       SELECT * FROM accepted`,
      [id, providerMessageId, 'accepted', FORWARD_ORDER],
    );
    return rows[0];
  }

  /** Applies a status webhook. Returns undefined for a wamid that is not ours (yet). */
  async applyStatus(
    providerMessageId: string,
    status: ProviderStatus,
    at: Date,
    error: unknown,
    db: Db = this.pool,
  ): Promise<MessageRow | undefined> {
    const column = `${status}_at`;
    const { rows } = await db.query<MessageRow>(
      `UPDATE messages SET state = ${advanceSql(2, 5)}, ${column} = coalesce(${column}, $3),
              error = CASE WHEN $2 = 'failed' THEN $4::jsonb ELSE error END, updated_at = now()
        WHERE provider_message_id = $1 AND direction = 'outbound' RETURNING *`,
      [providerMessageId, status, at, error === undefined ? null : JSON.stringify(error), FORWARD_ORDER],
    );
    return rows[0];
  }

  /**
   * A status arrived for a wamid we never recorded: the attempt that sent it died before
   * saving Meta's answer. Every send carries its message id in biz_opaque_callback_data, which
   * Meta echoes in statuses, so the wamid is claimed by the message it names (through the
   * same number, so one account's webhook can never touch another account's message).
   */
  async claimUnknownSend(phoneNumberId: string, messageId: string, providerMessageId: string, db: Db = this.pool) {
    const { rows } = await db.query<MessageRow>(
      `WITH accepted AS (
         UPDATE messages m SET provider_message_id = $3, state = 'accepted', accepted_at = now(), updated_at = now()
           FROM whatsapp_numbers n
          WHERE m.id = $2 AND m.direction = 'outbound' AND m.provider_message_id IS NULL
            AND n.account_id = m.account_id AND n.id = m.whatsapp_number_id AND n.phone_number_id = $1
         RETURNING m.*
       ), ${RECORD_OUTBOUND}
       SELECT * FROM accepted`,
      [phoneNumberId, messageId, providerMessageId],
    );
    return rows[0];
  }
}
