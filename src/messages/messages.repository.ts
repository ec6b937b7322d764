import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { PG_POOL } from '../db/database';
import type { Channel, MessageContent } from '../channels/driver';

export type OutboundState = 'queued' | 'sending' | 'retrying' | 'accepted' | 'sent' | 'delivered' | 'read' | 'played' | 'failed';
export type MessageCategory = 'transactional' | 'utility' | 'marketing' | 'service_reply';
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
  channel: Channel;
  /** The WhatsApp number, mailbox, bot or app the message went out or came in through. */
  channel_account_id: string;
  /** The routed message this is one channel's attempt of. */
  dispatch_id: string | null;
  /** Outbound from content: the channel-neutral content the body was rendered from. */
  content: MessageContent | null;
  category: MessageCategory | null;
  destination_country: string | null;
  pricing: string | null;
  cost: string | null;
  template_cost: string | null;
  currency: string | null;
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

/** The cost columns of an outbound message (see src/channels/pricing). */
export interface MessageCost {
  category: MessageCategory;
  destinationCountry: string | null;
  pricing: string;
  cost: number;
  templateCost: number;
  currency: string;
}

type Db = Pool | PoolClient;

/** The provider accepted an outbound message: the contact's last outbound time on its channel moves with it. */
const RECORD_OUTBOUND = `outbound AS (
  INSERT INTO contact_channel_activity (account_id, contact_id, channel, last_outbound_at)
  SELECT account_id, contact_id, channel, accepted_at FROM accepted WHERE direction = 'outbound'
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
    channel: Channel;
    channelAccountId: string;
    type: string;
    body: Record<string, unknown>;
    content?: MessageContent | null;
    idempotencyKey: string | null;
    dispatchId?: string | null;
    cost?: MessageCost | null;
  }, db: Db = this.pool): Promise<{ row: MessageRow; created: boolean }> {
    const c = m.cost ?? null;
    const inserted = await db.query<MessageRow>(
      `INSERT INTO messages (id, account_id, contact_id, channel, channel_account_id, direction, type, body, content, state,
                             idempotency_key, dispatch_id, category, destination_country, pricing, cost, template_cost, currency)
       VALUES ($1, $2, $3, $4, $5, 'outbound', $6, $7, $8, 'queued', $9, $10, $11, $12, $13, $14, $15, $16)
       ON CONFLICT DO NOTHING RETURNING *`,
      [m.id, m.accountId, m.contactId, m.channel, m.channelAccountId, m.type, m.body, m.content ?? null, m.idempotencyKey,
        m.dispatchId ?? null, c?.category ?? null, c?.destinationCountry ?? null, c?.pricing ?? null, c?.cost ?? null,
        c?.templateCost ?? null, c?.currency ?? null],
    );
    if (inserted.rows[0]) return { row: inserted.rows[0], created: true };
    // Same idempotency key, or this dispatch already has its message on this channel.
    const existing = await db.query<MessageRow>(
      `SELECT * FROM messages WHERE account_id = $1
          AND ((idempotency_key = $2) OR (dispatch_id = $3 AND channel = $4) OR id = $5)`,
      [m.accountId, m.idempotencyKey, m.dispatchId ?? null, m.channel, m.id],
    );
    return { row: existing.rows[0], created: false };
  }

  async insertInbound(
    m: {
      accountId: string;
      contactId: string;
      channel: Channel;
      channelAccountId: string;
      type: string;
      body: unknown;
      providerMessageId: string;
      at: Date;
    },
    db: Db = this.pool,
  ): Promise<MessageRow | undefined> {
    const { rows } = await db.query<MessageRow>(
      `INSERT INTO messages (account_id, contact_id, channel, channel_account_id, direction, type, body, state, provider_message_id, created_at)
       VALUES ($1, $2, $3, $4, 'inbound', $5, $6, 'received', $7, $8)
       ON CONFLICT (channel_account_id, provider_message_id) DO NOTHING RETURNING *`,
      [m.accountId, m.contactId, m.channel, m.channelAccountId, m.type, JSON.stringify(m.body), m.providerMessageId, m.at],
    );
    return rows[0];
  }

  async findById(accountId: string, id: string): Promise<MessageRow | undefined> {
    return (await this.pool.query<MessageRow>('SELECT * FROM messages WHERE account_id = $1 AND id = $2', [accountId, id]))
      .rows[0];
  }

  /** The outbound message a receipt names. */
  async findByProviderId(channel: Channel, providerMessageId: string): Promise<MessageRow | undefined> {
    return (
      await this.pool.query<MessageRow>(
        "SELECT * FROM messages WHERE channel = $1 AND provider_message_id = $2 AND direction = 'outbound'",
        [channel, providerMessageId],
      )
    ).rows[0];
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

  /** Outbound messages still queued after `olderThanMs`: their workflow may never have started (a dispatch's are its own). */
  async listStuckQueued(olderThanMs: number, limit: number): Promise<MessageRow[]> {
    return (
      await this.pool.query<MessageRow>(
        `SELECT * FROM messages WHERE direction = 'outbound' AND state = 'queued' AND dispatch_id IS NULL
            AND created_at < now() - make_interval(secs => $1 / 1000.0)
          ORDER BY created_at LIMIT $2`,
        [olderThanMs, limit],
      )
    ).rows;
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
    channel: Channel,
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
        WHERE channel = $6 AND provider_message_id = $1 AND direction = 'outbound' RETURNING *`,
      [providerMessageId, status, at, error === undefined ? null : JSON.stringify(error), FORWARD_ORDER, channel],
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
            AND n.account_id = m.account_id AND n.id = m.channel_account_id AND n.phone_number_id = $1
         RETURNING m.*
       ), ${RECORD_OUTBOUND}
       SELECT * FROM accepted`,
      [phoneNumberId, messageId, providerMessageId],
    );
    return rows[0];
  }

  /**
   * A converted message whose window closed before it left: it goes as its template instead.
   * Only before the provider has it (no provider id), so a message never changes after sending.
   */
  async renderedAgain(id: string, m: { type: string; body: Record<string, unknown>; pricing: string; cost: number }): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE messages SET type = $2, body = $3, pricing = $4, cost = $5, updated_at = now()
        WHERE id = $1 AND provider_message_id IS NULL AND state <> 'failed'`,
      [id, m.type, m.body, m.pricing, m.cost],
    );
    return rowCount === 1;
  }

  /** When the customer last wrote to this channel account: the customer-service window runs from here. */
  async lastInbound(accountId: string, contactId: string, channelAccountId: string): Promise<Date | null> {
    const { rows } = await this.pool.query<{ last_inbound_at: Date }>(
      'SELECT last_inbound_at FROM service_windows WHERE account_id = $1 AND contact_id = $2 AND channel_account_id = $3',
      [accountId, contactId, channelAccountId],
    );
    return rows[0]?.last_inbound_at ?? null;
  }

  /** The customer's last message on one channel account: what a reply there answers. */
  async lastInboundOn(accountId: string, contactId: string, channelAccountId: string): Promise<MessageRow | undefined> {
    const { rows } = await this.pool.query<MessageRow>(
      `SELECT * FROM messages WHERE account_id = $1 AND contact_id = $2 AND channel_account_id = $3 AND direction = 'inbound'
        ORDER BY created_at DESC LIMIT 1`,
      [accountId, contactId, channelAccountId],
    );
    return rows[0];
  }

  /** The channel account of the customer's last message: where a reply goes unless the agent picks another. */
  async lastInboundChannelAccount(accountId: string, contactId: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ channel_account_id: string }>(
      `SELECT channel_account_id FROM messages WHERE account_id = $1 AND contact_id = $2 AND direction = 'inbound'
        ORDER BY created_at DESC LIMIT 1`,
      [accountId, contactId],
    );
    return rows[0]?.channel_account_id;
  }
}
