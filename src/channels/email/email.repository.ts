import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { PG_POOL } from '../../db/database';
import type { MessageRow } from '../../messages/messages.repository';
import type { ChannelAccountRow } from '../driver';

type Db = Pool | PoolClient;

export interface MailboxRow {
  channel_account_id: string;
  mailbox: string;
  /** pg returns bigint as text. */
  uid_validity: string | null;
  last_uid: string;
  last_internal_date: Date | null;
  lease_owner: string | null;
  lease_until: Date | null;
}

/** The e-mail channel's SQL: where the IMAP receiver is in each mailbox, and the lookups its handler needs. */
@Injectable()
export class EmailRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * Takes (or renews) the right to read a mailbox until `ttlMs` from now; undefined while another
   * receiver holds an unexpired lease. Creates the mailbox's row on first use.
   */
  async claimLease(channelAccountId: string, mailbox: string, owner: string, ttlMs: number): Promise<MailboxRow | undefined> {
    const { rows } = await this.pool.query<MailboxRow>(
      `INSERT INTO email_mailboxes (channel_account_id, mailbox, lease_owner, lease_until)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4 / 1000.0))
       ON CONFLICT (channel_account_id, mailbox) DO UPDATE
          SET lease_owner = EXCLUDED.lease_owner, lease_until = EXCLUDED.lease_until, updated_at = now()
        WHERE email_mailboxes.lease_owner IS NULL OR email_mailboxes.lease_owner = EXCLUDED.lease_owner
           OR email_mailboxes.lease_until < now()
       RETURNING *`,
      [channelAccountId, mailbox, owner, ttlMs],
    );
    return rows[0];
  }

  async releaseLease(channelAccountId: string, mailbox: string, owner: string): Promise<void> {
    await this.pool.query(
      `UPDATE email_mailboxes SET lease_owner = NULL, lease_until = NULL, updated_at = now()
        WHERE channel_account_id = $1 AND mailbox = $2 AND lease_owner = $3`,
      [channelAccountId, mailbox, owner],
    );
  }

  /** Reading starts after `lastUid` under this UIDVALIDITY (first read, or the server renumbered the mailbox). */
  async resetTo(channelAccountId: string, mailbox: string, uidValidity: bigint, lastUid: number): Promise<void> {
    await this.pool.query(
      `UPDATE email_mailboxes SET uid_validity = $3::bigint, last_uid = $4, updated_at = now()
        WHERE channel_account_id = $1 AND mailbox = $2`,
      [channelAccountId, mailbox, uidValidity.toString(), lastUid],
    );
  }

  /** A mail is stored through the pipeline: reading resumes after it. Never moves back. */
  async advance(channelAccountId: string, mailbox: string, uidValidity: bigint, uid: number, internalDate: Date | null): Promise<void> {
    await this.pool.query(
      `UPDATE email_mailboxes SET last_uid = greatest(last_uid, $4),
              last_internal_date = greatest(last_internal_date, $5), updated_at = now()
        WHERE channel_account_id = $1 AND mailbox = $2 AND uid_validity = $3::bigint`,
      [channelAccountId, mailbox, uidValidity.toString(), uid, internalDate],
    );
  }

  async mailbox(channelAccountId: string, mailbox = 'INBOX'): Promise<MailboxRow | undefined> {
    return (
      await this.pool.query<MailboxRow>('SELECT * FROM email_mailboxes WHERE channel_account_id = $1 AND mailbox = $2', [channelAccountId, mailbox])
    ).rows[0];
  }

  /**
   * An e-mail channel account by id alone: a poller's route hint names no account.
   * (ChannelAccountsRepository.findById needs the account id, which the hint is there to find.)
   */
  async findMailbox(channelAccountId: string, db: Db = this.pool): Promise<ChannelAccountRow | undefined> {
    return (await db.query<ChannelAccountRow>(`SELECT * FROM channel_accounts WHERE id = $1 AND channel = 'email'`, [channelAccountId])).rows[0];
  }

  /** recado's outbound e-mails among these Message-IDs (a reply's In-Reply-To and References), newest first. */
  async outboundByMessageIds(accountId: string, messageIds: string[], db: Db = this.pool): Promise<Pick<MessageRow, 'id' | 'contact_id' | 'provider_message_id'>[]> {
    if (messageIds.length === 0) return [];
    return (
      await db.query<Pick<MessageRow, 'id' | 'contact_id' | 'provider_message_id'>>(
        `SELECT id, contact_id, provider_message_id FROM messages
          WHERE account_id = $1 AND channel = 'email' AND direction = 'outbound' AND provider_message_id = ANY($2)
          ORDER BY created_at DESC`,
        [accountId, messageIds],
      )
    ).rows;
  }

  /** The outbound e-mail a DSN reports on, for the routing signal sent after its commit. */
  async outboundByMessageId(providerMessageId: string): Promise<Pick<MessageRow, 'id' | 'dispatch_id' | 'state'> | undefined> {
    return (
      await this.pool.query<Pick<MessageRow, 'id' | 'dispatch_id' | 'state'>>(
        `SELECT id, dispatch_id, state FROM messages WHERE channel = 'email' AND direction = 'outbound' AND provider_message_id = $1`,
        [providerMessageId],
      )
    ).rows[0];
  }
}
