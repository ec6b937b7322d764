import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { PG_POOL } from '../../db/database';

export interface CallBlockRow {
  account_id: string;
  contact_id: string;
  /** The agent who blocked the customer; null when a system key did. */
  blocked_by: string | null;
  blocked_at: Date;
}

type Db = Pool | PoolClient;

/**
 * Customers who may not call the business. A Nest provider in the API, and built with a bare
 * pool (`new BlockedCallersRepository(pool)`) by the worker's inbound-call activities.
 */
@Injectable()
export class BlockedCallersRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async isCallerBlocked(accountId: string, contactId: string, db: Db = this.pool): Promise<boolean> {
    const { rows } = await db.query<{ blocked: boolean }>(
      'SELECT EXISTS (SELECT 1 FROM blocked_callers WHERE account_id = $1 AND contact_id = $2) AS blocked',
      [accountId, contactId],
    );
    return rows[0].blocked;
  }

  async find(accountId: string, contactId: string): Promise<CallBlockRow | undefined> {
    return (
      await this.pool.query<CallBlockRow>('SELECT * FROM blocked_callers WHERE account_id = $1 AND contact_id = $2', [
        accountId,
        contactId,
      ])
    ).rows[0];
  }

  /** Blocks the customer; blocking again keeps the first block's time and author. */
  async block(accountId: string, contactId: string, blockedBy: string | null): Promise<CallBlockRow> {
    return (
      await this.pool.query<CallBlockRow>(
        `INSERT INTO blocked_callers (account_id, contact_id, blocked_by) VALUES ($1, $2, $3)
         ON CONFLICT (account_id, contact_id) DO UPDATE SET blocked_at = blocked_callers.blocked_at
         RETURNING *`,
        [accountId, contactId, blockedBy],
      )
    ).rows[0];
  }

  /** True when a block was lifted, false when there was none. */
  async unblock(accountId: string, contactId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('DELETE FROM blocked_callers WHERE account_id = $1 AND contact_id = $2', [
      accountId,
      contactId,
    ]);
    return (rowCount ?? 0) > 0;
  }
}
