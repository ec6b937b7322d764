import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '../../db/database';
import type { AttributeType } from '../index/contact-document';

export interface AttributeRow {
  key: string;
  type: AttributeType;
  label: string | null;
  created_at: Date;
}

@Injectable()
export class ContactAttributesRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async list(accountId: string): Promise<AttributeRow[]> {
    return (
      await this.pool.query<AttributeRow>(
        'SELECT key, type, label, created_at FROM contact_attribute_definitions WHERE account_id = $1 ORDER BY key',
        [accountId],
      )
    ).rows;
  }

  /** Declares the attribute or relabels it; the stored row says whether the type matched. */
  async put(accountId: string, key: string, type: AttributeType, label: string | null): Promise<{ row: AttributeRow; created: boolean }> {
    const { rows } = await this.pool.query<AttributeRow & { created: boolean }>(
      `INSERT INTO contact_attribute_definitions (account_id, key, type, label) VALUES ($1, $2, $3, $4)
       ON CONFLICT (account_id, key) DO UPDATE SET label = EXCLUDED.label
         WHERE contact_attribute_definitions.type = EXCLUDED.type
       RETURNING key, type, label, created_at, (xmax = 0) AS created`,
      [accountId, key, type, label],
    );
    if (rows[0]) return { row: rows[0], created: rows[0].created };
    const existing = (await this.list(accountId)).find((a) => a.key === key)!;
    return { row: existing, created: false };
  }
}
