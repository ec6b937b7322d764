import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../../db/database';

export interface PendingFileDeletion {
  storage_key: string;
}

/**
 * Recording files whose rows are gone and whose bytes are still in storage
 * (recording_file_deletions), and the rows that retention or an erasure removes. Plain class:
 * the API (erasure) and the worker (retention) both build one on their pool.
 */
export class RecordingFilesRepository {
  constructor(private readonly pool: Pool) {}

  /** Inside the erasure's transaction: the contact's recordings leave, their files are queued. */
  async queueContactRecordings(tx: PoolClient, accountId: string, contactId: string): Promise<number> {
    const { rowCount } = await tx.query(
      `WITH gone AS (
         DELETE FROM call_recordings r USING calls c
          WHERE c.account_id = $1 AND c.contact_id = $2 AND r.account_id = $1 AND r.call_id = c.id
         RETURNING r.storage_key)
       INSERT INTO recording_file_deletions (storage_key, account_id, contact_id, reason)
       SELECT storage_key, $1, $2, 'erasure' FROM gone
       ON CONFLICT (storage_key) DO UPDATE SET contact_id = EXCLUDED.contact_id, reason = 'erasure'`,
      [accountId, contactId],
    );
    return rowCount ?? 0;
  }

  /** Rows of the contact's calls that name what was said: deleted before the calls cascade, so they are counted. */
  async deleteContactCallRows(tx: PoolClient, table: 'call_transcript_parts' | 'call_postcall' | 'call_events', accountId: string, contactId: string) {
    const { rowCount } = await tx.query(
      `DELETE FROM ${table} t USING calls c WHERE c.account_id = $1 AND c.contact_id = $2 AND t.account_id = $1 AND t.call_id = c.id`,
      [accountId, contactId],
    );
    return rowCount ?? 0;
  }

  /** Up to `limit` expired recordings leave, their files queued; returns how many. */
  async expire(limit: number, now = new Date()): Promise<number> {
    return inTransaction(this.pool, async (tx) => {
      const { rowCount } = await tx.query(
        `WITH gone AS (
           DELETE FROM call_recordings WHERE id IN (
             SELECT id FROM call_recordings WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)
           RETURNING storage_key, account_id)
         INSERT INTO recording_file_deletions (storage_key, account_id, reason)
         SELECT storage_key, account_id, 'retention' FROM gone
         ON CONFLICT (storage_key) DO NOTHING`,
        [now, limit],
      );
      return rowCount ?? 0;
    });
  }

  /**
   * Removes queued files with `remove` and then their rows, a few at a time; the rows stay locked
   * meanwhile so two drains never work on the same file. A failing file keeps its row (attempts,
   * last_error) for the next drain. `only` narrows it to one erased contact.
   */
  async drain(remove: (key: string) => Promise<void>, only?: { accountId: string; contactId: string }, batch = 100) {
    let deleted = 0;
    let failed = 0;
    const failedKeys: string[] = [];
    for (;;) {
      const round = await inTransaction(this.pool, async (tx) => {
        const { rows } = await tx.query<PendingFileDeletion>(
          `SELECT storage_key FROM recording_file_deletions
            WHERE ($1::uuid IS NULL OR (account_id = $1 AND contact_id = $2)) AND NOT (storage_key = ANY($3::text[]))
            ORDER BY queued_at LIMIT $4 FOR UPDATE SKIP LOCKED`,
          [only?.accountId ?? null, only?.contactId ?? null, failedKeys, batch],
        );
        for (const row of rows) {
          try {
            await remove(row.storage_key);
            await tx.query('DELETE FROM recording_file_deletions WHERE storage_key = $1', [row.storage_key]);
            deleted += 1;
          } catch (err) {
            await tx.query('UPDATE recording_file_deletions SET attempts = attempts + 1, last_error = $2 WHERE storage_key = $1', [
              row.storage_key,
              (err as Error).message.slice(0, 500),
            ]);
            failedKeys.push(row.storage_key);
            failed += 1;
          }
        }
        return rows.length;
      });
      if (round < batch) return { deleted, failed };
    }
  }
}
