import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { PG_POOL } from '../../db/database';
import type { Channel, ChannelAccountRow } from '../driver';

type Db = Pool | PoolClient;

/** The only place that runs SQL on channel_accounts. Secrets stay sealed here (ChannelSecrets opens them). */
@Injectable()
export class ChannelAccountsRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async insert(
    a: { id: string; accountId: string; channel: Channel; name: string; address: string; settings: Record<string, unknown>; sealedSecrets: string | null },
    db: Db = this.pool,
  ): Promise<ChannelAccountRow | undefined> {
    const { rows } = await db.query<ChannelAccountRow>(
      `INSERT INTO channel_accounts (id, account_id, channel, name, address, settings, secrets)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (channel, address) DO NOTHING RETURNING *`,
      [a.id, a.accountId, a.channel, a.name, a.address, a.settings, a.sealedSecrets],
    );
    return rows[0];
  }

  async findById(accountId: string, id: string, db: Db = this.pool): Promise<ChannelAccountRow | undefined> {
    return (await db.query<ChannelAccountRow>('SELECT * FROM channel_accounts WHERE account_id = $1 AND id = $2', [accountId, id])).rows[0];
  }

  /** Inbound routing: the channel account a provider's delivery is addressed to (any account's). */
  async findByAddress(channel: Channel, address: string, db: Db = this.pool): Promise<ChannelAccountRow | undefined> {
    return (await db.query<ChannelAccountRow>('SELECT * FROM channel_accounts WHERE channel = $1 AND address = $2', [channel, address])).rows[0];
  }

  async list(accountId: string, channel?: Channel): Promise<ChannelAccountRow[]> {
    return (
      await this.pool.query<ChannelAccountRow>(
        'SELECT * FROM channel_accounts WHERE account_id = $1 AND ($2::text IS NULL OR channel = $2) ORDER BY created_at, id',
        [accountId, channel ?? null],
      )
    ).rows;
  }

  /** Every channel account of one channel, for pollers (IMAP, Telegram getUpdates). */
  async listByChannel(channel: Channel): Promise<ChannelAccountRow[]> {
    return (await this.pool.query<ChannelAccountRow>('SELECT * FROM channel_accounts WHERE channel = $1 ORDER BY created_at, id', [channel])).rows;
  }
}
