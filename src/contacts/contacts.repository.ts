import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { PG_POOL } from '../db/database';

export interface ContactRow {
  id: string;
  account_id: string;
  wa_id: string;
  name: string | null;
  last_inbound_at: Date | null;
  assigned_agent_id: string | null;
  created_at: Date;
  updated_at: Date;
}

@Injectable()
export class ContactsRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Finds or creates the contact; a non-null name (e.g. the WhatsApp profile name) replaces the old one. */
  async upsertByWaId(accountId: string, waId: string, name: string | null, db: Pool | PoolClient = this.pool) {
    const { rows } = await db.query<ContactRow>(
      `INSERT INTO contacts (account_id, wa_id, name) VALUES ($1, $2, $3)
       ON CONFLICT (account_id, wa_id) DO UPDATE
         SET name = coalesce(EXCLUDED.name, contacts.name),
             updated_at = CASE WHEN EXCLUDED.name IS DISTINCT FROM contacts.name AND EXCLUDED.name IS NOT NULL
                               THEN now() ELSE contacts.updated_at END
       RETURNING *`,
      [accountId, waId, name],
    );
    return rows[0];
  }

  /** The customer wrote to us: their 24 h customer-service window opens at that moment. */
  async recordInbound(accountId: string, contactId: string, at: Date, db: Pool | PoolClient = this.pool) {
    await db.query(
      `UPDATE contacts SET last_inbound_at = greatest(last_inbound_at, $3), updated_at = now()
        WHERE account_id = $1 AND id = $2`,
      [accountId, contactId, at],
    );
  }

  /** The agent responsible for the customer (rings first when they call); null clears it. */
  async assignAgent(accountId: string, id: string, agentId: string | null): Promise<ContactRow | undefined> {
    return (
      await this.pool.query<ContactRow>(
        `UPDATE contacts SET assigned_agent_id = $3, updated_at = now()
          WHERE account_id = $1 AND id = $2
            AND ($3::uuid IS NULL OR EXISTS (SELECT 1 FROM agents WHERE account_id = $1 AND id = $3))
          RETURNING *`,
        [accountId, id, agentId],
      )
    ).rows[0];
  }

  async findById(accountId: string, id: string): Promise<ContactRow | undefined> {
    return (await this.pool.query<ContactRow>('SELECT * FROM contacts WHERE account_id = $1 AND id = $2', [accountId, id]))
      .rows[0];
  }

  async list(accountId: string, filter: { waId?: string; limit: number }): Promise<ContactRow[]> {
    return (
      await this.pool.query<ContactRow>(
        `SELECT * FROM contacts WHERE account_id = $1 AND ($2::text IS NULL OR wa_id = $2)
          ORDER BY updated_at DESC LIMIT $3`,
        [accountId, filter.waId ?? null, filter.limit],
      )
    ).rows;
  }
}
