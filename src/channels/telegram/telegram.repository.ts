import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { PG_POOL } from '../../db/database';
import type { ChannelAccountRow } from '../driver';

type Db = Pool | PoolClient;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** SQL of the Telegram channel: its bots' channel accounts by id, and the pollers' offsets. */
@Injectable()
export class TelegramRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** A Telegram bot's channel account, whoever's it is (webhook URLs and pollers name it by id). */
  async findAccount(channelAccountId: string, db: Db = this.pool): Promise<ChannelAccountRow | undefined> {
    if (!UUID.test(channelAccountId)) return undefined;
    return (await db.query<ChannelAccountRow>(`SELECT * FROM channel_accounts WHERE id = $1 AND channel = 'telegram'`, [channelAccountId])).rows[0];
  }

  async pollingAccounts(): Promise<ChannelAccountRow[]> {
    return (
      await this.pool.query<ChannelAccountRow>(
        `SELECT * FROM channel_accounts WHERE channel = 'telegram' AND settings->>'delivery' = 'polling' ORDER BY created_at, id`,
      )
    ).rows;
  }

  async nextOffset(channelAccountId: string): Promise<number | null> {
    const row = (await this.pool.query<{ next_offset: string }>('SELECT next_offset FROM telegram_poll_offsets WHERE channel_account_id = $1', [channelAccountId])).rows[0];
    return row ? Number(row.next_offset) : null;
  }

  /** Never moves back: a slow writer cannot undo a later one. */
  async saveOffset(channelAccountId: string, nextOffset: number): Promise<void> {
    await this.pool.query(
      `INSERT INTO telegram_poll_offsets (channel_account_id, next_offset) VALUES ($1, $2)
       ON CONFLICT (channel_account_id) DO UPDATE
         SET next_offset = greatest(telegram_poll_offsets.next_offset, EXCLUDED.next_offset), updated_at = now()`,
      [channelAccountId, nextOffset],
    );
  }

  /** recado's id of a message this bot sent (a button press links to it). */
  async findSentMessageId(accountId: string, providerMessageId: string, db: Db = this.pool): Promise<string | null> {
    const row = (
      await db.query<{ id: string }>(
        `SELECT id FROM messages WHERE account_id = $1 AND channel = 'telegram' AND provider_message_id = $2 AND direction = 'outbound'`,
        [accountId, providerMessageId],
      )
    ).rows[0];
    return row?.id ?? null;
  }
}
