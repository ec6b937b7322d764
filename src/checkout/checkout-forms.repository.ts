import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '../db/database';

export interface CheckoutFormRow {
  id: string;
  account_id: string;
  store_id: string;
  product: string;
  plan: string | null;
  amount_minor: string;
  currency: string;
  abandon_after_ms: string | null;
  created_at: Date;
  deleted_at: Date | null;
}

/** A hosted form with what the page shows: its store's name. */
export interface PublishedForm extends CheckoutFormRow {
  store_name: string;
}

/** The only place that runs SQL for hosted checkout forms. */
@Injectable()
export class CheckoutFormsRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async insert(f: Omit<CheckoutFormRow, 'created_at' | 'deleted_at'>): Promise<CheckoutFormRow> {
    const { rows } = await this.pool.query<CheckoutFormRow>(
      `INSERT INTO checkout_forms (id, account_id, store_id, product, plan, amount_minor, currency, abandon_after_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
      [f.id, f.account_id, f.store_id, f.product, f.plan, f.amount_minor, f.currency, f.abandon_after_ms],
    );
    return rows[0];
  }

  async find(accountId: string, id: string): Promise<CheckoutFormRow | undefined> {
    return (await this.pool.query<CheckoutFormRow>('SELECT * FROM checkout_forms WHERE account_id = $1 AND id = $2 AND deleted_at IS NULL', [accountId, id])).rows[0];
  }

  async list(accountId: string, limit: number): Promise<CheckoutFormRow[]> {
    const { rows } = await this.pool.query<CheckoutFormRow>(
      'SELECT * FROM checkout_forms WHERE account_id = $1 AND deleted_at IS NULL ORDER BY created_at DESC, id LIMIT $2',
      [accountId, limit],
    );
    return rows;
  }

  async markDeleted(accountId: string, id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('UPDATE checkout_forms SET deleted_at = now() WHERE account_id = $1 AND id = $2 AND deleted_at IS NULL', [accountId, id]);
    return (rowCount ?? 0) > 0;
  }

  /** Any account's form, for its public page: none when the form or its store was deleted. */
  async published(id: string): Promise<PublishedForm | undefined> {
    const { rows } = await this.pool.query<PublishedForm>(
      `SELECT f.*, s.name AS store_name FROM checkout_forms f JOIN stores s ON s.id = f.store_id
        WHERE f.id = $1 AND f.deleted_at IS NULL AND s.deleted_at IS NULL`,
      [id],
    );
    return rows[0];
  }
}
