import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import type { Channel, MessageContent } from '../channels/driver';
import { PG_POOL } from '../db/database';
import { SQL_CURSOR_INSTANT } from '../calls/history/cursor';
import type { InboxCursorKey } from './inbox-cursor';

/** Unread counts stop here: an inbox shows "99+", and counting further would read the whole history. */
export const UNREAD_COUNT_CAP = 100;

export interface ConversationRow {
  contact_id: string;
  contact_name: string | null;
  assigned_agent_id: string | null;
  channels: Channel[];
  message_id: string;
  direction: 'inbound' | 'outbound';
  channel: Channel;
  channel_account_id: string;
  type: string;
  body: unknown;
  content: MessageContent | null;
  state: string;
  at: Date;
  /** The sort key as cursors carry it: the instant (microseconds) and the arrival (a bigint, as text). */
  cursor_at: string;
  arrival: string;
  read_at: Date | null;
  unread: number;
}

export interface ServiceWindowRow {
  contact_id: string;
  channel: Channel;
  channel_account_id: string;
  channel_account_name: string;
  last_inbound_at: Date;
}

/** A Meta template's definition as recado last synced it, with the number its store sends from. */
export interface TemplateDefinitionRow {
  channel_account_id: string;
  name: string;
  language: string;
  components: unknown;
}

export interface ApprovedTemplateRow {
  channel_account_id: string;
  name: string;
  language: string;
  category: string | null;
  components: unknown;
}

/** The only SQL of the inbox: conversations (kept by a trigger on messages), read markers, windows, templates. */
@Injectable()
export class InboxRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * Newest first, through conversations_inbox_idx; each with its last message and the reader's
   * unread count (inbound messages after the reader's marker, at most UNREAD_COUNT_CAP). Messages of
   * the same instant (Meta's are whole seconds) come in the order recado stored them, newest first.
   */
  async list(q: {
    accountId: string;
    readerId: string;
    channel: Channel | null;
    assignedTo: string | null;
    before: InboxCursorKey | null;
    limit: number;
  }): Promise<ConversationRow[]> {
    const { rows } = await this.pool.query<ConversationRow>(
      `SELECT c.contact_id, ct.name AS contact_name, ct.assigned_agent_id, c.channels,
              m.id AS message_id, m.direction, m.channel, m.channel_account_id, m.type, m.body, m.content, m.state,
              c.last_message_at AS at, ${SQL_CURSOR_INSTANT('c.last_message_at')} AS cursor_at, c.arrival, r.read_at,
              (SELECT count(*)::int FROM (
                 SELECT 1 FROM messages i
                  WHERE i.account_id = c.account_id AND i.contact_id = c.contact_id AND i.direction = 'inbound'
                    AND i.created_at > coalesce(r.read_at, '-infinity')
                  LIMIT ${UNREAD_COUNT_CAP}) unread) AS unread
         FROM conversations c
         JOIN contacts ct ON ct.account_id = c.account_id AND ct.id = c.contact_id
         JOIN messages m ON m.id = c.last_message_id
         LEFT JOIN conversation_reads r ON r.account_id = c.account_id AND r.reader_id = $2 AND r.contact_id = c.contact_id
        WHERE c.account_id = $1
          AND ($3::text IS NULL OR $3 = ANY (c.channels))
          AND ($4::uuid IS NULL OR ct.assigned_agent_id = $4)
          AND ($5::timestamptz IS NULL OR (c.last_message_at, c.arrival) < ($5::timestamptz, $6::bigint))
        ORDER BY c.last_message_at DESC, c.arrival DESC
        LIMIT $7`,
      [q.accountId, q.readerId, q.channel, q.assignedTo, q.before?.at ?? null, q.before?.arrival ?? null, q.limit],
    );
    return rows;
  }

  /** The customer-service windows of these contacts, one per channel account they wrote to. */
  async windows(accountId: string, contactIds: string[]): Promise<ServiceWindowRow[]> {
    const { rows } = await this.pool.query<ServiceWindowRow>(
      `SELECT w.contact_id, ca.channel, w.channel_account_id, ca.name AS channel_account_name, w.last_inbound_at
         FROM service_windows w
         JOIN channel_accounts ca ON ca.account_id = w.account_id AND ca.id = w.channel_account_id
        WHERE w.account_id = $1 AND w.contact_id = ANY ($2::uuid[])
        ORDER BY w.last_inbound_at DESC, w.channel_account_id`,
      [accountId, contactIds],
    );
    return rows;
  }

  /** Moves the reader's marker forward (never back); null when the contact is not the account's. */
  async markRead(accountId: string, readerId: string, contactId: string, at: Date): Promise<Date | null> {
    const { rows } = await this.pool.query<{ read_at: Date }>(
      `INSERT INTO conversation_reads (account_id, reader_id, contact_id, read_at)
       SELECT $1, $2, id, $4 FROM contacts WHERE account_id = $1 AND id = $3
       ON CONFLICT (account_id, reader_id, contact_id)
       DO UPDATE SET read_at = greatest(conversation_reads.read_at, EXCLUDED.read_at)
       RETURNING read_at`,
      [accountId, readerId, contactId, at],
    );
    return rows[0]?.read_at ?? null;
  }

  /**
   * Meta templates usable on these WhatsApp numbers: those the account's stores on the number
   * linked and Meta approved (store_templates.meta_template, synced from Meta), once per name and language.
   */
  async approvedTemplates(accountId: string, channelAccountIds: string[]): Promise<ApprovedTemplateRow[]> {
    const { rows } = await this.pool.query<ApprovedTemplateRow>(
      `SELECT DISTINCT ON (s.channel_account_id, t.meta_template->>'name', t.meta_template->>'language')
              s.channel_account_id, t.meta_template->>'name' AS name, t.meta_template->>'language' AS language,
              coalesce(t.meta_template->>'category', t.category) AS category, t.meta_template->'components' AS components
         FROM store_templates t
         JOIN stores s ON s.account_id = t.account_id AND s.id = t.store_id AND s.deleted_at IS NULL
        WHERE t.account_id = $1 AND s.channel_account_id = ANY ($2::uuid[])
          AND t.meta_template->>'status' = 'APPROVED'
        ORDER BY s.channel_account_id, t.meta_template->>'name', t.meta_template->>'language', t.updated_at DESC`,
      [accountId, channelAccountIds],
    );
    return rows;
  }

  /**
   * The definitions of these Meta templates (store_templates.meta_template, synced from Meta),
   * whatever their status now: a template paused since still reads as it was sent. Newest first.
   */
  async templateDefinitions(accountId: string, names: string[]): Promise<TemplateDefinitionRow[]> {
    const { rows } = await this.pool.query<TemplateDefinitionRow>(
      `SELECT s.channel_account_id, t.meta_template->>'name' AS name, t.meta_template->>'language' AS language,
              t.meta_template->'components' AS components
         FROM store_templates t
         JOIN stores s ON s.account_id = t.account_id AND s.id = t.store_id
        WHERE t.account_id = $1 AND t.meta_template->>'name' = ANY ($2::text[])
          AND jsonb_typeof(t.meta_template->'components') = 'array'
        ORDER BY t.updated_at DESC, t.id`,
      [accountId, names],
    );
    return rows;
  }

  /** A contact's erasure: its inbox row and read markers (they would otherwise go by cascade, uncounted). */
  async deleteOfContact(tx: PoolClient, table: 'conversations' | 'conversation_reads', accountId: string, contactId: string): Promise<number> {
    return (await tx.query(`DELETE FROM ${table} WHERE account_id = $1 AND contact_id = $2`, [accountId, contactId])).rowCount ?? 0;
  }
}
