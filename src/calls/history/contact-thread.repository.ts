import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '../../db/database';
import type { MessageRow } from '../../messages/messages.repository';
import type { CallHistoryRow, PostCallRow } from './call-history.repository';
import { SQL_CURSOR_INSTANT } from './cursor';

export interface ThreadEntry {
  kind: 'message' | 'call';
  id: string;
  cursor_at: string;
}

/** A contact's messages and calls as one timeline. */
@Injectable()
export class ContactThreadRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async contactExists(accountId: string, contactId: string): Promise<boolean> {
    return ((await this.pool.query('SELECT 1 FROM contacts WHERE account_id = $1 AND id = $2', [accountId, contactId])).rowCount ?? 0) > 0;
  }

  /** One page of (kind, id), newest first, after the cursor's (created_at, kind, id). */
  async entries(accountId: string, contactId: string, after: { at: string; kind: string; id: string } | undefined, limit: number) {
    return (
      await this.pool.query<ThreadEntry>(
        `SELECT kind, id, ${SQL_CURSOR_INSTANT('created_at')} AS cursor_at FROM (
           SELECT 'message' AS kind, id, created_at FROM messages WHERE account_id = $1 AND contact_id = $2
           UNION ALL
           SELECT 'call' AS kind, id, created_at FROM calls WHERE account_id = $1 AND contact_id = $2
         ) t
          WHERE $3::timestamptz IS NULL OR (created_at, kind, id) < ($3::timestamptz, $4::text, $5::uuid)
          ORDER BY created_at DESC, kind DESC, id DESC
          LIMIT $6`,
        [accountId, contactId, after?.at ?? null, after?.kind ?? null, after?.id ?? null, limit],
      )
    ).rows;
  }

  async messages(accountId: string, ids: string[]): Promise<MessageRow[]> {
    if (ids.length === 0) return [];
    return (await this.pool.query<MessageRow>('SELECT * FROM messages WHERE account_id = $1 AND id = ANY($2::uuid[])', [accountId, ids])).rows;
  }

  async calls(accountId: string, ids: string[]): Promise<Array<CallHistoryRow & Pick<PostCallRow, 'transcript' | 'summary'>>> {
    if (ids.length === 0) return [];
    return (
      await this.pool.query(
        `SELECT c.*, '' AS cursor_at, p.transcript, p.summary,
                EXISTS (SELECT 1 FROM call_recordings r WHERE r.call_id = c.id) AS has_recording,
                p.transcript IS NOT NULL AS has_transcript
           FROM calls c LEFT JOIN call_postcall p ON p.call_id = c.id
          WHERE c.account_id = $1 AND c.id = ANY($2::uuid[])`,
        [accountId, ids],
      )
    ).rows;
  }

  /** The contact's latest call: the one the thread shows unfolded. */
  async latestCallId(accountId: string, contactId: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ id: string }>(
      'SELECT id FROM calls WHERE account_id = $1 AND contact_id = $2 ORDER BY created_at DESC, id DESC LIMIT 1',
      [accountId, contactId],
    );
    return rows[0]?.id;
  }
}
