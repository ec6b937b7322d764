import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '../../db/database';
import type { CallRow } from '../calls.repository';
import { SQL_CURSOR_INSTANT } from './cursor';

export interface CallHistoryFilter {
  direction?: string;
  agentId?: string;
  contactId?: string;
  state?: string;
  /** epoch ms */
  from?: number;
  to?: number;
  hasRecording?: boolean;
  hasTranscript?: boolean;
}

/** Where a page starts: after this (ongoing rank, created_at, id). */
export interface CallHistoryKey {
  ended: number;
  at: string;
  id: string;
}

export interface CallHistoryRow extends CallRow {
  has_recording: boolean;
  has_transcript: boolean;
  cursor_at: string;
}

export interface RecordingRow {
  id: string;
  call_id: string;
  kind: 'speaker' | 'mixed';
  speaker: 'customer' | 'agent' | null;
  agent_id: string | null;
  participant_identity: string | null;
  storage_key: string;
  content_type: string;
  bytes: string;
  duration_ms: number;
  offset_ms: number;
  gaps: Array<{ from_ms: number; to_ms: number; reason?: string | null }>;
  created_at: Date;
  expires_at: Date | null;
}

export interface PostCallRow {
  recording_status: string;
  recording_reason: string | null;
  transcription_status: string;
  transcription_reason: string | null;
  summary_status: string;
  summary_reason: string | null;
  transcript: unknown[] | null;
  summary: Record<string, unknown> | null;
}

export interface AgentParticipantRow {
  agent_id: string;
  name: string;
  role: string;
  state: string;
}

/** SQL of the call history: lists, a call's details, its recordings and who downloaded them. */
@Injectable()
export class CallHistoryRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async list(accountId: string, f: CallHistoryFilter, after: CallHistoryKey | undefined, limit: number): Promise<CallHistoryRow[]> {
    return (
      await this.pool.query<CallHistoryRow>(
        `SELECT c.*, ${SQL_CURSOR_INSTANT('c.created_at')} AS cursor_at,
                EXISTS (SELECT 1 FROM call_recordings r WHERE r.call_id = c.id) AS has_recording,
                EXISTS (SELECT 1 FROM call_postcall p WHERE p.call_id = c.id AND p.transcript IS NOT NULL) AS has_transcript
           FROM calls c
          WHERE c.account_id = $1
            AND ($2::text IS NULL OR c.direction = $2)
            AND ($3::uuid IS NULL OR c.agent_id = $3 OR EXISTS (
                 SELECT 1 FROM call_participants cp WHERE cp.call_id = c.id AND cp.agent_id = $3))
            AND ($4::uuid IS NULL OR c.contact_id = $4)
            AND ($5::text IS NULL OR c.state = $5)
            AND ($6::float8 IS NULL OR c.created_at >= to_timestamp($6::float8 / 1000))
            AND ($7::float8 IS NULL OR c.created_at < to_timestamp($7::float8 / 1000))
            AND ($8::boolean IS NULL OR EXISTS (SELECT 1 FROM call_recordings r WHERE r.call_id = c.id) = $8)
            AND ($9::boolean IS NULL OR EXISTS (
                 SELECT 1 FROM call_postcall p WHERE p.call_id = c.id AND p.transcript IS NOT NULL) = $9)
            AND ($10::int IS NULL OR (c.ended_at IS NOT NULL)::int > $10
                 OR ((c.ended_at IS NOT NULL)::int = $10 AND (c.created_at, c.id) < ($11::timestamptz, $12::uuid)))
          ORDER BY (c.ended_at IS NOT NULL), c.created_at DESC, c.id DESC
          LIMIT $13`,
        [
          accountId,
          f.direction ?? null,
          f.agentId ?? null,
          f.contactId ?? null,
          f.state ?? null,
          f.from ?? null,
          f.to ?? null,
          f.hasRecording ?? null,
          f.hasTranscript ?? null,
          after?.ended ?? null,
          after?.at ?? null,
          after?.id ?? null,
          limit,
        ],
      )
    ).rows;
  }

  async findCall(accountId: string, id: string): Promise<CallRow | undefined> {
    return (await this.pool.query<CallRow>('SELECT * FROM calls WHERE account_id = $1 AND id = $2', [accountId, id])).rows[0];
  }

  async customerName(accountId: string, contactId: string): Promise<string | null> {
    const { rows } = await this.pool.query<{ name: string | null }>('SELECT name FROM contacts WHERE account_id = $1 AND id = $2', [accountId, contactId]);
    return rows[0]?.name ?? null;
  }

  /** The call's agents: its participants, and the agent on the call row if it has no participant row. */
  async agents(accountId: string, call: CallRow): Promise<AgentParticipantRow[]> {
    return (
      await this.pool.query<AgentParticipantRow>(
        `SELECT p.agent_id, a.name, p.role, p.state, p.created_at FROM call_participants p
           JOIN agents a ON a.account_id = p.account_id AND a.id = p.agent_id
          WHERE p.account_id = $1 AND p.call_id = $2
         UNION ALL
         SELECT a.id, a.name, 'host', NULL, $4::timestamptz FROM agents a
          WHERE a.account_id = $1 AND a.id = $3
            AND NOT EXISTS (SELECT 1 FROM call_participants p WHERE p.call_id = $2 AND p.agent_id = $3)
         ORDER BY created_at, agent_id`,
        [accountId, call.id, call.agent_id, call.created_at],
      )
    ).rows;
  }

  async recordings(accountId: string, callId: string): Promise<RecordingRow[]> {
    return (
      await this.pool.query<RecordingRow>(
        `SELECT * FROM call_recordings WHERE account_id = $1 AND call_id = $2
          ORDER BY kind = 'mixed', speaker = 'agent', agent_id NULLS FIRST, created_at, id`,
        [accountId, callId],
      )
    ).rows;
  }

  async recording(accountId: string, callId: string, recordingId: string): Promise<RecordingRow | undefined> {
    return (
      await this.pool.query<RecordingRow>('SELECT * FROM call_recordings WHERE account_id = $1 AND call_id = $2 AND id = $3', [
        accountId,
        callId,
        recordingId,
      ])
    ).rows[0];
  }

  async postCall(accountId: string, callId: string): Promise<PostCallRow | undefined> {
    return (await this.pool.query<PostCallRow>('SELECT * FROM call_postcall WHERE account_id = $1 AND call_id = $2', [accountId, callId])).rows[0];
  }

  async recordDownload(d: {
    accountId: string;
    callId: string;
    recordingId: string;
    actor: string;
    rangeHeader: string | null;
    status: number;
    bytesSent: number;
  }): Promise<void> {
    await this.pool.query(
      `INSERT INTO recording_downloads (account_id, call_id, recording_id, actor, range_header, status, bytes_sent)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [d.accountId, d.callId, d.recordingId, d.actor, d.rangeHeader, d.status, d.bytesSent],
    );
  }

  /** The system key a request came with (actor of a download); agents are named by their agent id. */
  async apiKeyId(accountId: string, keyHash: Buffer): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ id: string }>('SELECT id FROM api_keys WHERE account_id = $1 AND key_hash = $2', [accountId, keyHash]);
    return rows[0]?.id;
  }
}
