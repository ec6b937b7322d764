import type { Pool } from 'pg';
import { inTransaction } from '../db/database';
import { isSealed, SecretBox, type SecretKeys } from './secrets';
import { SEALED_COLUMNS, sealedPurpose, type SealedColumn } from './sealed-columns';

/** Rows locked and rewritten per transaction: bounded, so a big table never sits locked whole. */
export const SEAL_BATCH_SIZE = 200;

export interface SealedColumnReport extends SealedColumn {
  /** Plain-text values (written before encryption) now sealed. */
  sealed: number;
  /** Values sealed under an older key now sealed under the current one (rotation only). */
  resealed: number;
}

/**
 * Brings every sealed column (SEALED_COLUMNS) to envelope form. `plain-text` seals only values that
 * are not envelopes yet: it runs after the SQL migrations, which cannot reach the key, and is a
 * no-op once done. `rotate` also re-seals values under the current key, after which the previous
 * keys can be dropped. Each row is locked while it is rewritten, so concurrent runs do not clash.
 */
export async function sealStoredSecrets(
  pool: Pool,
  keys: SecretKeys,
  mode: 'plain-text' | 'rotate',
): Promise<SealedColumnReport[]> {
  const box = new SecretBox(keys);
  const reports: SealedColumnReport[] = [];
  for (const where of Object.values(SEALED_COLUMNS)) {
    const report: SealedColumnReport = { ...where, sealed: 0, resealed: 0 };
    // Identifiers come from the constant table above, never from input.
    const { table, column } = where;
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const batch = await inTransaction(pool, async (db) => {
        const { rows } = await db.query<{ id: string; value: string }>(
          `SELECT id::text AS id, ${column} AS value FROM ${table}
            WHERE id > $1 AND ${column} IS NOT NULL ORDER BY id LIMIT $2 FOR UPDATE`,
          [after, SEAL_BATCH_SIZE],
        );
        for (const row of rows) {
          const purpose = sealedPurpose(where, row.id);
          const plain = !isSealed(row.value);
          if (!plain && (mode === 'plain-text' || !box.needsSealing(row.value))) continue;
          const value = plain ? row.value : box.open(row.value, purpose);
          await db.query(`UPDATE ${table} SET ${column} = $2 WHERE id = $1`, [row.id, box.seal(value, purpose)]);
          if (plain) report.sealed++;
          else report.resealed++;
        }
        return rows;
      });
      if (batch.length === 0) break;
      after = batch[batch.length - 1].id;
    }
    reports.push(report);
  }
  return reports;
}

export function describeSealReports(reports: SealedColumnReport[]): string {
  return reports.map((r) => `${r.table}.${r.column}: ${r.sealed} sealed, ${r.resealed} re-sealed`).join('; ');
}
