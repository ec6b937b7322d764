import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL, inTransaction } from '../db/database';
import type { Principal } from '../common/auth';

export interface AccountRow {
  id: string;
  name: string;
  created_at: Date;
}
export interface AgentRow {
  id: string;
  account_id: string;
  name: string;
  email: string;
  role: 'admin' | 'agent';
  created_at: Date;
}
export interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  agent_id: string | null;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

interface NewKey {
  name: string;
  prefix: string;
  hash: Buffer;
}

@Injectable()
export class AccountsRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async createAccountWithKey(name: string, key: NewKey): Promise<{ account: AccountRow; apiKey: ApiKeyRow }> {
    return inTransaction(this.pool, async (db) => {
      const account = (await db.query<AccountRow>('INSERT INTO accounts (name) VALUES ($1) RETURNING *', [name]))
        .rows[0];
      const apiKey = (
        await db.query<ApiKeyRow>(
          `INSERT INTO api_keys (account_id, name, prefix, key_hash) VALUES ($1, $2, $3, $4)
           RETURNING id, name, prefix, agent_id, created_at, last_used_at, revoked_at`,
          [account.id, key.name, key.prefix, key.hash],
        )
      ).rows[0];
      return { account, apiKey };
    });
  }

  async findAccount(accountId: string): Promise<AccountRow | undefined> {
    return (await this.pool.query<AccountRow>('SELECT * FROM accounts WHERE id = $1', [accountId])).rows[0];
  }

  async findPrincipalByKeyHash(hash: Buffer): Promise<Principal | undefined> {
    const { rows } = await this.pool.query<{
      id: string;
      account_id: string;
      agent_id: string | null;
      role: 'admin' | 'agent' | null;
      stale: boolean;
    }>(
      `SELECT k.id, k.account_id, k.agent_id, a.role,
              (k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute') AS stale
         FROM api_keys k LEFT JOIN agents a ON a.account_id = k.account_id AND a.id = k.agent_id
        WHERE k.key_hash = $1 AND k.revoked_at IS NULL`,
      [hash],
    );
    const row = rows[0];
    if (!row) return undefined;
    // last_used_at is informative: refreshed at most once a minute, not on every request.
    if (row.stale) await this.pool.query('UPDATE api_keys SET last_used_at = now() WHERE id = $1', [row.id]);
    return { accountId: row.account_id, agentId: row.agent_id, role: row.agent_id ? (row.role ?? 'agent') : 'system' };
  }

  async createAgentWithKey(
    accountId: string,
    agent: { name: string; email: string; role: 'admin' | 'agent' },
    key: NewKey,
  ): Promise<{ agent: AgentRow; apiKey: ApiKeyRow } | 'email-taken'> {
    return inTransaction(this.pool, async (db) => {
      const inserted = await db.query<AgentRow>(
        `INSERT INTO agents (account_id, name, email, role) VALUES ($1, $2, $3, $4)
         ON CONFLICT (account_id, email) DO NOTHING RETURNING *`,
        [accountId, agent.name, agent.email, agent.role],
      );
      if (!inserted.rows[0]) return 'email-taken' as const;
      const row = inserted.rows[0];
      const apiKey = (
        await db.query<ApiKeyRow>(
          `INSERT INTO api_keys (account_id, agent_id, name, prefix, key_hash) VALUES ($1, $2, $3, $4, $5)
           RETURNING id, name, prefix, agent_id, created_at, last_used_at, revoked_at`,
          [accountId, row.id, key.name, key.prefix, key.hash],
        )
      ).rows[0];
      return { agent: row, apiKey };
    });
  }

  /** Presence: an agent with an open realtime stream is online (see ONLINE_WITHIN). */
  async touchAgent(accountId: string, agentId: string): Promise<void> {
    await this.pool.query('UPDATE agents SET last_seen_at = now() WHERE account_id = $1 AND id = $2', [accountId, agentId]);
  }

  async listAgents(accountId: string): Promise<AgentRow[]> {
    return (
      await this.pool.query<AgentRow>('SELECT * FROM agents WHERE account_id = $1 ORDER BY created_at', [accountId])
    ).rows;
  }

  async createApiKey(accountId: string, key: NewKey): Promise<ApiKeyRow> {
    return (
      await this.pool.query<ApiKeyRow>(
        `INSERT INTO api_keys (account_id, name, prefix, key_hash) VALUES ($1, $2, $3, $4)
         RETURNING id, name, prefix, agent_id, created_at, last_used_at, revoked_at`,
        [accountId, key.name, key.prefix, key.hash],
      )
    ).rows[0];
  }

  async listApiKeys(accountId: string): Promise<ApiKeyRow[]> {
    return (
      await this.pool.query<ApiKeyRow>(
        `SELECT id, name, prefix, agent_id, created_at, last_used_at, revoked_at
           FROM api_keys WHERE account_id = $1 ORDER BY created_at`,
        [accountId],
      )
    ).rows;
  }

  async revokeApiKey(accountId: string, keyId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      'UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE account_id = $1 AND id = $2',
      [accountId, keyId],
    );
    return rowCount === 1;
  }
}
