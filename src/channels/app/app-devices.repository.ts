import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { PG_POOL } from '../../db/database';
import type { MessageRow } from '../../messages/messages.repository';
import type { ChannelAccountRow } from '../driver';

type Db = Pool | PoolClient;

export const APP_PLATFORMS = ['android', 'ios', 'web', 'other'] as const;
export type AppPlatform = (typeof APP_PLATFORMS)[number];

export interface AppDeviceRow {
  account_id: string;
  contact_id: string;
  channel_account_id: string;
  app_user_id: string;
  token: string;
  platform: AppPlatform;
  created_at: Date;
  last_seen_at: Date;
}

/** An outbound app message as a receipt finds it. */
export type AppMessageRef = Pick<MessageRow, 'id' | 'provider_message_id' | 'dispatch_id' | 'state'>;

/**
 * The only place that runs SQL for app push: device tokens per app user, and the few reads the
 * receipts handler needs. A contact has the app installed while it has a device; the flag is
 * cleared here when the last one is pruned or deleted.
 */
@Injectable()
export class AppDevicesRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** A channel account of channel 'app', any account's: receipts are routed by the id in their URL. */
  async findAppChannelAccount(id: string, db: Db = this.pool): Promise<ChannelAccountRow | undefined> {
    return (await db.query<ChannelAccountRow>(`SELECT * FROM channel_accounts WHERE id = $1 AND channel = 'app'`, [id])).rows[0];
  }

  async findAccountsAppChannelAccount(accountId: string, id: string, db: Db = this.pool): Promise<ChannelAccountRow | undefined> {
    return (
      await db.query<ChannelAccountRow>(`SELECT * FROM channel_accounts WHERE account_id = $1 AND id = $2 AND channel = 'app'`, [accountId, id])
    ).rows[0];
  }

  /**
   * Registers (or refreshes) a device. A token that was another user's moves to this one (a
   * shared phone, a logout and login): the previous contact may be left without the app.
   */
  async upsert(
    tx: PoolClient,
    d: { accountId: string; contactId: string; channelAccountId: string; appUserId: string; token: string; platform: AppPlatform },
  ): Promise<{ row: AppDeviceRow; created: boolean }> {
    const previous = (
      await tx.query<{ contact_id: string }>('SELECT contact_id FROM app_devices WHERE channel_account_id = $1 AND token = $2 FOR UPDATE', [
        d.channelAccountId,
        d.token,
      ])
    ).rows[0];
    const { rows } = await tx.query<AppDeviceRow>(
      `INSERT INTO app_devices (account_id, contact_id, channel_account_id, app_user_id, token, platform)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (channel_account_id, token) DO UPDATE
         SET contact_id = EXCLUDED.contact_id, app_user_id = EXCLUDED.app_user_id, platform = EXCLUDED.platform, last_seen_at = now()
       RETURNING *`,
      [d.accountId, d.contactId, d.channelAccountId, d.appUserId, d.token, d.platform],
    );
    if (previous && previous.contact_id !== d.contactId) await this.clearAppInstalledWithoutDevices(tx, d.accountId, [previous.contact_id]);
    return { row: rows[0], created: !previous };
  }

  /** The devices a push to this app user goes to, oldest first. */
  async listForUser(channelAccountId: string, appUserId: string, db: Db = this.pool): Promise<AppDeviceRow[]> {
    return (
      await db.query<AppDeviceRow>('SELECT * FROM app_devices WHERE channel_account_id = $1 AND app_user_id = $2 ORDER BY created_at, token', [
        channelAccountId,
        appUserId,
      ])
    ).rows;
  }

  async listForContact(accountId: string, contactId: string, db: Db = this.pool): Promise<AppDeviceRow[]> {
    return (
      await db.query<AppDeviceRow>('SELECT * FROM app_devices WHERE account_id = $1 AND contact_id = $2 ORDER BY created_at, token', [accountId, contactId])
    ).rows;
  }

  /** FCM answered UNREGISTERED for these tokens: they are gone, and so is the app of a contact left with none. */
  async prune(channelAccountId: string, tokens: string[]): Promise<{ pruned: number; uninstalled: string[] }> {
    if (tokens.length === 0) return { pruned: 0, uninstalled: [] };
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ account_id: string; contact_id: string }>(
        'DELETE FROM app_devices WHERE channel_account_id = $1 AND token = ANY($2::text[]) RETURNING account_id, contact_id',
        [channelAccountId, tokens],
      );
      const uninstalled = rows.length ? await this.clearAppInstalledWithoutDevices(client, rows[0].account_id, rows.map((r) => r.contact_id)) : [];
      await client.query('COMMIT');
      return { pruned: rows.length, uninstalled };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  /** The business's backend says the device is gone (logout, uninstall): every registration of the token in the account. */
  async deleteToken(tx: PoolClient, accountId: string, token: string, channelAccountId: string | null): Promise<number> {
    const { rows } = await tx.query<{ contact_id: string }>(
      `DELETE FROM app_devices WHERE account_id = $1 AND token = $2 AND ($3::uuid IS NULL OR channel_account_id = $3) RETURNING contact_id`,
      [accountId, token, channelAccountId],
    );
    await this.clearAppInstalledWithoutDevices(tx, accountId, rows.map((r) => r.contact_id));
    return rows.length;
  }

  /** Erasure of a contact: its devices, counted (they would otherwise vanish by cascade). */
  async deleteForContact(tx: PoolClient, accountId: string, contactId: string): Promise<number> {
    return (await tx.query('DELETE FROM app_devices WHERE account_id = $1 AND contact_id = $2', [accountId, contactId])).rowCount ?? 0;
  }

  /** Returns the contacts whose flag was cleared. */
  private async clearAppInstalledWithoutDevices(db: Db, accountId: string, contactIds: string[]): Promise<string[]> {
    if (contactIds.length === 0) return [];
    const { rows } = await db.query<{ id: string }>(
      `UPDATE contacts c SET app_installed = false
        WHERE c.account_id = $1 AND c.id = ANY($2::uuid[]) AND c.app_installed
          AND NOT EXISTS (SELECT 1 FROM app_devices d WHERE d.account_id = c.account_id AND d.contact_id = c.id)
        RETURNING c.id`,
      [accountId, [...new Set(contactIds)]],
    );
    return rows.map((r) => r.id);
  }

  /**
   * The outbound app message a receipt names, if it went out through this channel account. Its
   * provider id is recado's own id, so a receipt that overtakes the send's own bookkeeping (the
   * push reached the phone before the worker saved the answer) records it first.
   */
  async claimForReceipt(db: PoolClient, channelAccountId: string, messageId: string): Promise<AppMessageRef | undefined> {
    const { rows } = await db.query<AppMessageRef>(
      `UPDATE messages SET provider_message_id = coalesce(provider_message_id, id::text)
        WHERE id = $1 AND channel = 'app' AND direction = 'outbound' AND channel_account_id = $2
        RETURNING id, provider_message_id, dispatch_id, state`,
      [messageId, channelAccountId],
    );
    return rows[0];
  }

  async findMessage(channelAccountId: string, messageId: string): Promise<AppMessageRef | undefined> {
    return (
      await this.pool.query<AppMessageRef>(
        `SELECT id, provider_message_id, dispatch_id, state FROM messages WHERE id = $1 AND channel = 'app' AND direction = 'outbound' AND channel_account_id = $2`,
        [messageId, channelAccountId],
      )
    ).rows[0];
  }
}
