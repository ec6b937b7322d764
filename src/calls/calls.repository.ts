import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { PG_POOL } from '../db/database';
import { FIRST_WHATSAPP_ID } from '../contacts/contacts.repository';
import { callRoomName } from './room-identities';

export type CallState = 'dialing' | 'ringing' | 'accepted' | 'completed' | 'rejected' | 'not_answered' | 'failed';
export const ENDED_CALL_STATES: readonly CallState[] = ['completed', 'rejected', 'not_answered', 'failed'];

export interface CallRow {
  id: string;
  account_id: string;
  whatsapp_number_id: string;
  contact_id: string;
  direction: 'business_initiated' | 'user_initiated';
  state: CallState;
  whatsapp_call_id: string | null;
  room_name: string;
  agent_id: string | null;
  end_reason: string | null;
  created_at: Date;
  ringing_at: Date | null;
  accepted_at: Date | null;
  ended_at: Date | null;
  duration_seconds: number | null;
}

/** What reaching Meta through the Connector needs: kept out of workflow histories. */
export interface CallContext extends CallRow {
  phone_number_id: string;
  /** Sealed; the activity opens it (AccessTokens) for the Connector request. */
  access_token: string;
  /** null when the contact has no WhatsApp identity */
  wa_id: string | null;
}

type Db = Pool | PoolClient;

@Injectable()
export class CallsRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** A customer's call from the connect webhook; Meta redelivers, so the same wacid gives the same call. */
  async insertInbound(
    c: { id: string; accountId: string; numberId: string; contactId: string; whatsappCallId: string },
    db: Db = this.pool,
  ): Promise<CallRow> {
    const inserted = await db.query<CallRow>(
      `INSERT INTO calls (id, account_id, whatsapp_number_id, contact_id, direction, state, room_name, whatsapp_call_id)
       VALUES ($1, $2, $3, $4, 'user_initiated', 'ringing', $5, $6)
       ON CONFLICT (whatsapp_call_id) DO NOTHING RETURNING *`,
      [c.id, c.accountId, c.numberId, c.contactId, callRoomName(c.id), c.whatsappCallId],
    );
    if (inserted.rows[0]) return inserted.rows[0];
    return (await db.query<CallRow>('SELECT * FROM calls WHERE whatsapp_call_id = $1', [c.whatsappCallId])).rows[0];
  }

  async insert(c: {
    id: string;
    accountId: string;
    numberId: string;
    contactId: string;
    direction: CallRow['direction'];
    state: CallState;
    roomName: string;
    agentId: string | null;
    whatsappCallId?: string;
  }): Promise<CallRow> {
    return (
      await this.pool.query<CallRow>(
        `INSERT INTO calls (id, account_id, whatsapp_number_id, contact_id, direction, state, room_name, agent_id, whatsapp_call_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
        [c.id, c.accountId, c.numberId, c.contactId, c.direction, c.state, c.roomName, c.agentId, c.whatsappCallId ?? null],
      )
    ).rows[0];
  }

  async addParticipant(p: { accountId: string; callId: string; agentId: string; role: 'host' | 'invitee'; state: string; invitedBy?: string }) {
    await this.pool.query(
      `INSERT INTO call_participants (call_id, account_id, agent_id, role, state, invited_by) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (call_id, agent_id) DO UPDATE SET state = EXCLUDED.state, updated_at = now()`,
      [p.callId, p.accountId, p.agentId, p.role, p.state, p.invitedBy ?? null],
    );
  }

  async findById(accountId: string, id: string): Promise<CallRow | undefined> {
    return (await this.pool.query<CallRow>('SELECT * FROM calls WHERE account_id = $1 AND id = $2', [accountId, id])).rows[0];
  }

  async context(accountId: string, id: string): Promise<CallContext | undefined> {
    return (
      await this.pool.query<CallContext>(
        `SELECT c.*, n.phone_number_id, n.access_token, ${FIRST_WHATSAPP_ID('c', 'contact_id')} AS wa_id
           FROM calls c
           JOIN whatsapp_numbers n ON n.account_id = c.account_id AND n.id = c.whatsapp_number_id
          WHERE c.account_id = $1 AND c.id = $2`,
        [accountId, id],
      )
    ).rows[0];
  }

  /** A calls webhook names the call by our id (biz_opaque_callback_data) or by Meta's; always through its number. */
  async findForWebhook(phoneNumberId: string, ref: { callId?: string; whatsappCallId: string }, db: Db = this.pool) {
    return (
      await db.query<CallRow>(
        `SELECT c.* FROM calls c JOIN whatsapp_numbers n ON n.account_id = c.account_id AND n.id = c.whatsapp_number_id
          WHERE n.phone_number_id = $1 AND (c.id = $2::uuid OR c.whatsapp_call_id = $3)
          ORDER BY (c.id = $2::uuid) DESC LIMIT 1`,
        [phoneNumberId, ref.callId ?? null, ref.whatsappCallId],
      )
    ).rows[0];
  }

  async setWhatsAppCallId(id: string, whatsappCallId: string): Promise<void> {
    await this.pool.query('UPDATE calls SET whatsapp_call_id = $2 WHERE id = $1', [id, whatsappCallId]);
  }

  /** Moves the call to `state`, stamping the matching time once; an ended call stays ended. */
  async updateState(
    id: string,
    change: { state: CallState; endReason?: string | null; durationSeconds?: number | null; agentId?: string | null },
  ): Promise<CallRow | undefined> {
    return (
      await this.pool.query<CallRow>(
        `UPDATE calls SET state = $2,
                ringing_at  = CASE WHEN $2 = 'ringing'  THEN coalesce(ringing_at, now()) ELSE ringing_at END,
                accepted_at = CASE WHEN $2 = 'accepted' THEN coalesce(accepted_at, now()) ELSE accepted_at END,
                ended_at    = CASE WHEN $2 = ANY($5::text[]) THEN coalesce(ended_at, now()) ELSE ended_at END,
                end_reason = coalesce($3, end_reason),
                duration_seconds = coalesce($4, duration_seconds),
                agent_id = coalesce($6, agent_id)
          WHERE id = $1 AND ended_at IS NULL RETURNING *`,
        [id, change.state, change.endReason ?? null, change.durationSeconds ?? null, ENDED_CALL_STATES, change.agentId ?? null],
      )
    ).rows[0];
  }

  async listOngoing(accountId: string, agentId: string | null): Promise<CallRow[]> {
    return (
      await this.pool.query<CallRow>(
        `SELECT c.* FROM calls c
          WHERE c.account_id = $1 AND c.ended_at IS NULL
            AND ($2::uuid IS NULL OR c.agent_id = $2 OR EXISTS (
                 SELECT 1 FROM call_participants p WHERE p.call_id = c.id AND p.agent_id = $2 AND p.state = 'joined'))
          ORDER BY c.created_at DESC`,
        [accountId, agentId],
      )
    ).rows;
  }

  /** Times of the connected business-initiated calls to one customer since `since` (the quota window). */
  async connectedBusinessCallTimes(numberId: string, contactId: string, since: Date): Promise<number[]> {
    return (
      await this.pool.query<{ accepted_at: Date }>(
        `SELECT accepted_at FROM calls WHERE whatsapp_number_id = $1 AND contact_id = $2
            AND direction = 'business_initiated' AND accepted_at >= $3 ORDER BY accepted_at`,
        [numberId, contactId, since],
      )
    ).rows.map((r) => r.accepted_at.getTime());
  }
}
