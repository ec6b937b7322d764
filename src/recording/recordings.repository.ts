import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { PG_POOL } from '../db/database';
import type { RecordedFile } from './recorder';

export interface StoredRecording extends RecordedFile {
  id: string;
}

/** A call's recorded files (call_recordings): one row per stored file. */
@Injectable()
export class RecordingsRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * Stores the files of a call's recording; a file stored again (a retried activity) keeps its id.
   * `retentionDays` null: kept until the contact is erased.
   */
  async upsert(
    call: { accountId: string; callId: string },
    files: RecordedFile[],
    recorder: 'participant' | 'egress',
    retentionDays: number | null,
  ): Promise<StoredRecording[]> {
    const stored: StoredRecording[] = [];
    for (const f of files) {
      const { rows } = await this.pool.query<{ id: string }>(
        `INSERT INTO call_recordings (id, account_id, call_id, kind, speaker, agent_id, participant_identity, storage_key, content_type,
                                      bytes, duration_ms, sample_rate, channels, offset_ms, gaps, recorder, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                 CASE WHEN $17::int IS NULL THEN NULL ELSE now() + make_interval(days => $17::int) END)
         ON CONFLICT (call_id, storage_key) DO UPDATE SET
           kind = EXCLUDED.kind, speaker = EXCLUDED.speaker, agent_id = EXCLUDED.agent_id,
           participant_identity = EXCLUDED.participant_identity, content_type = EXCLUDED.content_type, bytes = EXCLUDED.bytes,
           duration_ms = EXCLUDED.duration_ms, sample_rate = EXCLUDED.sample_rate, channels = EXCLUDED.channels,
           offset_ms = EXCLUDED.offset_ms, gaps = EXCLUDED.gaps, recorder = EXCLUDED.recorder, expires_at = EXCLUDED.expires_at
         RETURNING id`,
        [
          randomUUID(), call.accountId, call.callId, f.kind, f.speaker, f.agentId, f.participantIdentity, f.storageKey, f.contentType,
          f.bytes, Math.round(f.durationMs), f.sampleRate, f.channels, Math.round(f.offsetMs),
          JSON.stringify(f.gaps.map((g) => ({ from_ms: g.fromMs, to_ms: g.toMs, reason: g.reason }))), recorder, retentionDays,
        ],
      );
      stored.push({ id: rows[0].id, ...f });
    }
    return stored;
  }

  async list(accountId: string, callId: string): Promise<Array<{ id: string; kind: string; storage_key: string; expires_at: Date | null; recorder: string; gaps: unknown[] }>> {
    return (
      await this.pool.query(
        `SELECT id, kind, storage_key, expires_at, recorder, gaps FROM call_recordings
          WHERE account_id = $1 AND call_id = $2 ORDER BY kind DESC, storage_key`,
        [accountId, callId],
      )
    ).rows;
  }
}
