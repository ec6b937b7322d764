import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '../../db/database';
import type { CallingSettings } from '../../whatsapp/types';
import type { MetaErrorInfo } from './readiness';

export interface CallSettingsRow {
  account_id: string;
  whatsapp_number_id: string;
  /** Null when only the calls-webhook confirmation was stored. */
  settings: CallingSettings | null;
  revision: number;
  pushed_at: Date | null;
  push_error: MetaErrorInfo | null;
  calls_webhook_subscribed: boolean;
  calls_webhook_updated_at: Date | null;
  updated_at: Date;
}

/** The only SQL of call settings. Constructible with a bare pool, for activities. */
@Injectable()
export class CallSettingsRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** The number's saved `calling` object (what its calling workflows follow), or null when none was saved. */
  async find(numberId: string): Promise<CallingSettings | null> {
    const { rows } = await this.pool.query<{ settings: CallingSettings | null }>(
      'SELECT settings FROM call_settings WHERE whatsapp_number_id = $1',
      [numberId],
    );
    return rows[0]?.settings ?? null;
  }

  async findRow(accountId: string, numberId: string): Promise<CallSettingsRow | undefined> {
    return (
      await this.pool.query<CallSettingsRow>('SELECT * FROM call_settings WHERE account_id = $1 AND whatsapp_number_id = $2', [
        accountId,
        numberId,
      ])
    ).rows[0];
  }

  /** Saves a new revision, not pushed yet. */
  async save(accountId: string, numberId: string, settings: CallingSettings): Promise<CallSettingsRow> {
    return (
      await this.pool.query<CallSettingsRow>(
        `INSERT INTO call_settings (account_id, whatsapp_number_id, settings, revision)
         VALUES ($1, $2, $3, 1)
         ON CONFLICT (whatsapp_number_id) DO UPDATE
           SET settings = EXCLUDED.settings, revision = call_settings.revision + 1,
               pushed_at = NULL, push_error = NULL, updated_at = now()
         RETURNING *`,
        [accountId, numberId, JSON.stringify(settings)],
      )
    ).rows[0];
  }

  /** Records how the push of `revision` went; undefined when a newer save overtook it. */
  async recordPush(numberId: string, revision: number, error: MetaErrorInfo | null): Promise<CallSettingsRow | undefined> {
    return (
      await this.pool.query<CallSettingsRow>(
        `UPDATE call_settings
            SET pushed_at = CASE WHEN $3::jsonb IS NULL THEN now() END, push_error = $3::jsonb
          WHERE whatsapp_number_id = $1 AND revision = $2
          RETURNING *`,
        [numberId, revision, error === null ? null : JSON.stringify(error)],
      )
    ).rows[0];
  }

  async setCallsWebhookSubscribed(accountId: string, numberId: string, subscribed: boolean): Promise<CallSettingsRow> {
    return (
      await this.pool.query<CallSettingsRow>(
        `INSERT INTO call_settings (account_id, whatsapp_number_id, calls_webhook_subscribed, calls_webhook_updated_at)
         VALUES ($1, $2, $3, now())
         ON CONFLICT (whatsapp_number_id) DO UPDATE
           SET calls_webhook_subscribed = EXCLUDED.calls_webhook_subscribed, calls_webhook_updated_at = now()
         RETURNING *`,
        [accountId, numberId, subscribed],
      )
    ).rows[0];
  }

  /**
   * When the last `calls` webhook event (a call or a call status) for the number was received.
   * webhook_events names the account only, so the delivery's metadata.phone_number_id decides.
   */
  async lastCallsWebhookAt(accountId: string, phoneNumberId: string): Promise<Date | null> {
    const { rows } = await this.pool.query<{ created_at: Date }>(
      `SELECT e.created_at
         FROM webhook_events e JOIN inbound_webhooks w ON w.id = e.webhook_id
        WHERE e.account_id = $1 AND e.provider = 'whatsapp' AND e.kind IN ('call', 'call_status')
          -- CASE: only Meta's processed deliveries are cast (other bodies, and invalid ones, need not be JSON).
          AND CASE WHEN w.provider = 'whatsapp' AND w.status IN ('processed', 'ignored') THEN jsonb_path_exists(
                w.raw_body::jsonb,
                '$.entry[*].changes[*] ? (@.field == "calls").value.metadata.phone_number_id ? (@ == $id)',
                jsonb_build_object('id', $2::text)) ELSE false END
        ORDER BY e.created_at DESC
        LIMIT 1`,
      [accountId, phoneNumberId],
    );
    return rows[0]?.created_at ?? null;
  }
}
