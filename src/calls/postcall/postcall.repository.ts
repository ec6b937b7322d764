import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '../../db/database';
import type { TimedSegment, TranscriptLine } from './transcript';

export type PostCallStep = 'recording' | 'transcription' | 'summary';
export type PostCallStepStatus = 'pending' | 'done' | 'failed' | 'skipped';

export interface SpeakerRecordingRow {
  id: string;
  speaker: 'customer' | 'agent';
  agent_id: string | null;
  /** the agent's name, or the contact's for the customer (null when the contact has none) */
  speaker_name: string | null;
  storage_key: string;
  bytes: string;
  sample_rate: number;
  channels: number;
  offset_ms: number;
}

export interface TranscriptPartRow {
  recording_id: string;
  part: number;
  segments: TimedSegment[];
  model: string;
}

const STEP_COLUMNS: Record<PostCallStep, [string, string]> = {
  recording: ['recording_status', 'recording_reason'],
  transcription: ['transcription_status', 'transcription_reason'],
  summary: ['summary_status', 'summary_reason'],
};

/** The post-call workflow's state: each step's status, the transcript parts, the transcript and summary. */
@Injectable()
export class PostCallRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async begin(accountId: string, callId: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO call_postcall (call_id, account_id) SELECT id, account_id FROM calls WHERE account_id = $1 AND id = $2
       ON CONFLICT (call_id) DO NOTHING`,
      [accountId, callId],
    );
  }

  async setStep(callId: string, step: PostCallStep, status: PostCallStepStatus, reason: string | null): Promise<void> {
    const [statusColumn, reasonColumn] = STEP_COLUMNS[step];
    await this.pool.query(`UPDATE call_postcall SET ${statusColumn} = $2, ${reasonColumn} = $3, updated_at = now() WHERE call_id = $1`, [
      callId,
      status,
      reason,
    ]);
  }

  async speakerRecordings(accountId: string, callId: string): Promise<SpeakerRecordingRow[]> {
    return (
      await this.pool.query<SpeakerRecordingRow>(
        `SELECT r.id, r.speaker, r.agent_id, COALESCE(a.name, ct.name) AS speaker_name, r.storage_key, r.bytes,
                r.sample_rate, r.channels, r.offset_ms
           FROM call_recordings r
           JOIN calls c ON c.id = r.call_id
           LEFT JOIN agents a ON a.id = r.agent_id
           LEFT JOIN contacts ct ON ct.id = c.contact_id AND r.speaker = 'customer'
          WHERE r.account_id = $1 AND r.call_id = $2 AND r.kind = 'speaker'
          ORDER BY r.offset_ms, r.id`,
        [accountId, callId],
      )
    ).rows;
  }

  async hasTranscriptPart(recordingId: string, part: number): Promise<boolean> {
    return (await this.pool.query('SELECT 1 FROM call_transcript_parts WHERE recording_id = $1 AND part = $2', [recordingId, part])).rowCount! > 0;
  }

  /** A part transcribed twice (a retried attempt) is stored once: the first one stays. */
  async saveTranscriptPart(p: {
    accountId: string;
    callId: string;
    recordingId: string;
    part: number;
    offsetMs: number;
    segments: TimedSegment[];
    model: string;
  }): Promise<void> {
    await this.pool.query(
      `INSERT INTO call_transcript_parts (recording_id, part, account_id, call_id, offset_ms, segments, model)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (recording_id, part) DO NOTHING`,
      [p.recordingId, p.part, p.accountId, p.callId, p.offsetMs, JSON.stringify(p.segments), p.model],
    );
  }

  async transcriptParts(accountId: string, callId: string): Promise<TranscriptPartRow[]> {
    return (
      await this.pool.query<TranscriptPartRow>(
        'SELECT recording_id, part, segments, model FROM call_transcript_parts WHERE account_id = $1 AND call_id = $2 ORDER BY recording_id, part',
        [accountId, callId],
      )
    ).rows;
  }

  async saveTranscript(callId: string, transcript: TranscriptLine[], model: string): Promise<void> {
    await this.pool.query('UPDATE call_postcall SET transcript = $2, transcription_model = $3, updated_at = now() WHERE call_id = $1', [
      callId,
      JSON.stringify(transcript),
      model,
    ]);
  }

  async transcript(accountId: string, callId: string): Promise<TranscriptLine[] | null> {
    const row = (
      await this.pool.query<{ transcript: TranscriptLine[] | null }>('SELECT transcript FROM call_postcall WHERE account_id = $1 AND call_id = $2', [
        accountId,
        callId,
      ])
    ).rows[0];
    return row?.transcript ?? null;
  }

  async saveSummary(callId: string, summary: Record<string, unknown>, model: string): Promise<void> {
    await this.pool.query('UPDATE call_postcall SET summary = $2, summary_model = $3, updated_at = now() WHERE call_id = $1', [
      callId,
      JSON.stringify(summary),
      model,
    ]);
  }
}
