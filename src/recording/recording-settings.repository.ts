import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '../db/database';

export interface RecordingSettings {
  enabled: boolean;
  /** null: kept until the contact is erased */
  retentionDays: number | null;
  consentMessage: string | null;
}

/** No row: every call is recorded, kept 90 days, with no consent message. */
export const DEFAULT_RECORDING_SETTINGS: RecordingSettings = { enabled: true, retentionDays: 90, consentMessage: null };

/** Each account's recording policy (call_recording_settings). */
@Injectable()
export class RecordingSettingsRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async get(accountId: string): Promise<RecordingSettings> {
    const row = (
      await this.pool.query<{ enabled: boolean; retention_days: number | null; consent_message: string | null }>(
        'SELECT enabled, retention_days, consent_message FROM call_recording_settings WHERE account_id = $1',
        [accountId],
      )
    ).rows[0];
    return row ? { enabled: row.enabled, retentionDays: row.retention_days, consentMessage: row.consent_message } : DEFAULT_RECORDING_SETTINGS;
  }

  async save(accountId: string, s: RecordingSettings): Promise<RecordingSettings> {
    await this.pool.query(
      `INSERT INTO call_recording_settings (account_id, enabled, retention_days, consent_message, updated_at)
       VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (account_id) DO UPDATE SET enabled = EXCLUDED.enabled, retention_days = EXCLUDED.retention_days,
         consent_message = EXCLUDED.consent_message, updated_at = now()`,
      [accountId, s.enabled, s.retentionDays, s.consentMessage],
    );
    return s;
  }
}
