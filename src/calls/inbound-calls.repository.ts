import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '../db/database';

export interface CallbackTaskRow {
  id: string;
  account_id: string;
  whatsapp_number_id: string;
  contact_id: string;
  call_id: string | null;
  reason: 'missed' | 'outside_hours' | 'calling_disabled';
  state: 'open' | 'done';
  assigned_agent_ids: string[];
  call_back_after: Date | null;
  created_at: Date;
  done_at: Date | null;
  done_by: string | null;
}

/** Who answers a customer's call, and what happens when nobody can. */
@Injectable()
export class InboundCallsRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** One task per call: a retried activity finds the task it created. */
  async createCallbackTask(t: {
    accountId: string;
    numberId: string;
    contactId: string;
    callId: string;
    reason: CallbackTaskRow['reason'];
    agentIds: string[];
    callBackAfter: Date | null;
  }): Promise<CallbackTaskRow> {
    const inserted = await this.pool.query<CallbackTaskRow>(
      `INSERT INTO callback_tasks (account_id, whatsapp_number_id, contact_id, call_id, reason, assigned_agent_ids, call_back_after)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (call_id) WHERE call_id IS NOT NULL DO NOTHING RETURNING *`,
      [t.accountId, t.numberId, t.contactId, t.callId, t.reason, t.agentIds, t.callBackAfter],
    );
    if (inserted.rows[0]) return inserted.rows[0];
    return (await this.pool.query<CallbackTaskRow>('SELECT * FROM callback_tasks WHERE call_id = $1', [t.callId])).rows[0];
  }

  async listCallbackTasks(accountId: string, filter: { state?: 'open' | 'done'; agentId?: string; limit: number }) {
    return (
      await this.pool.query<CallbackTaskRow>(
        `SELECT * FROM callback_tasks WHERE account_id = $1 AND ($2::text IS NULL OR state = $2)
            AND ($3::uuid IS NULL OR $3 = ANY (assigned_agent_ids))
          ORDER BY created_at DESC LIMIT $4`,
        [accountId, filter.state ?? null, filter.agentId ?? null, filter.limit],
      )
    ).rows;
  }

  async completeCallbackTask(accountId: string, id: string, doneBy: string | null): Promise<CallbackTaskRow | undefined> {
    return (
      await this.pool.query<CallbackTaskRow>(
        `UPDATE callback_tasks SET state = 'done', done_at = coalesce(done_at, now()), done_by = coalesce(done_by, $3)
          WHERE account_id = $1 AND id = $2 RETURNING *`,
        [accountId, id, doneBy],
      )
    ).rows[0];
  }
}
