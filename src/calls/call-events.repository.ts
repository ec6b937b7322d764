import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '../db/database';

/** What a call's timeline records (call_events.kind). */
export type CallEventKind =
  | 'dialing'
  | 'ringing'
  | 'answered'
  | 'joined'
  | 'left'
  | 'muted'
  | 'unmuted'
  | 'recording_started'
  | 'recording_gap'
  | 'recording_stopped'
  /** The recording consent message: sent (message_id) or not_sent (reason). */
  | 'consent_message'
  | 'ended';

export interface CallEvent {
  accountId: string;
  callId: string;
  kind: CallEventKind;
  at: Date;
  /** The LiveKit participant identity the event is about (customer or agent), if any. */
  participant?: string | null;
  agentId?: string | null;
  detail?: Record<string, unknown>;
  /** The same event reported twice (a retried activity) is stored once. */
  dedupKey?: string | null;
}

export interface CallEventRow {
  seq: string;
  kind: CallEventKind;
  participant: string | null;
  agent_id: string | null;
  at: Date;
  detail: Record<string, unknown>;
}

/** A call's timeline: appended by the call workflows and the recorder, read by the call history. */
@Injectable()
export class CallEventsRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async append(e: CallEvent): Promise<void> {
    await this.pool.query(
      `INSERT INTO call_events (account_id, call_id, kind, participant, agent_id, at, detail, dedup_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (call_id, dedup_key) WHERE dedup_key IS NOT NULL DO NOTHING`,
      [e.accountId, e.callId, e.kind, e.participant ?? null, e.agentId ?? null, e.at, e.detail ?? {}, e.dedupKey ?? null],
    );
  }

  async has(callId: string, kind: CallEventKind): Promise<boolean> {
    return (await this.pool.query('SELECT 1 FROM call_events WHERE call_id = $1 AND kind = $2 LIMIT 1', [callId, kind])).rowCount! > 0;
  }

  async list(accountId: string, callId: string): Promise<CallEventRow[]> {
    return (
      await this.pool.query<CallEventRow>(
        `SELECT seq, kind, participant, agent_id, at, detail FROM call_events
          WHERE account_id = $1 AND call_id = $2 ORDER BY at, seq`,
        [accountId, callId],
      )
    ).rows;
  }
}
