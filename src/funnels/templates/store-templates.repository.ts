import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { ConflictError } from '../../common/errors';
import { PG_POOL } from '../../db/database';
import type { Channel } from '../../channels/driver';
import type { StoreTemplateRow } from '../model';
import type { ValidStoreTemplate } from './validate-store-template';

/** The store a template belongs to, with the WhatsApp number behind its instance (when it is one). */
export interface TemplateStore {
  id: string;
  account_id: string;
  name: string;
  channel_account_id: string;
  channel: Channel;
  /** whatsapp_numbers, present when the instance is a WhatsApp number: WABA and sealed token. */
  whatsapp_number_id: string | null;
  waba_id: string | null;
  access_token: string | null;
}

export type MetaTemplateRecord = NonNullable<StoreTemplateRow['meta_template']>;

const ORDER = 'ORDER BY event_type, step NULLS FIRST, variant, id';

function conflictOnDuplicate(err: unknown, t: ValidStoreTemplate): never {
  if ((err as { code?: string }).code === '23505') {
    throw new ConflictError(`the store already has variant ${t.variant} of ${t.event_type} for ${t.step === null ? 'every step' : `step ${t.step}`}`);
  }
  throw err;
}

/** The only place that runs SQL for store templates. Built by Nest in the API, by hand in activities. */
@Injectable()
export class StoreTemplatesRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** A store's templates for one canonical event (every step and variant, enabled or not): what pickTemplate chooses from. */
  async forEvent(storeId: string, eventType: string): Promise<StoreTemplateRow[]> {
    return (await this.pool.query<StoreTemplateRow>(`SELECT * FROM store_templates WHERE store_id = $1 AND event_type = $2 ${ORDER}`, [storeId, eventType])).rows;
  }

  /** The account's store, unless deleted, and its instance's WhatsApp number if it has one. */
  async store(accountId: string, storeId: string): Promise<TemplateStore | undefined> {
    const { rows } = await this.pool.query<TemplateStore>(
      `SELECT s.id, s.account_id, s.name, s.channel_account_id, ca.channel,
              wn.id AS whatsapp_number_id, wn.waba_id, wn.access_token
         FROM stores s
         JOIN channel_accounts ca ON ca.account_id = s.account_id AND ca.id = s.channel_account_id
         LEFT JOIN whatsapp_numbers wn ON ca.channel = 'whatsapp' AND wn.account_id = s.account_id AND wn.id = ca.id
        WHERE s.account_id = $1 AND s.id = $2 AND s.deleted_at IS NULL`,
      [accountId, storeId],
    );
    return rows[0];
  }

  async list(storeId: string, eventType?: string): Promise<StoreTemplateRow[]> {
    const { rows } = await this.pool.query<StoreTemplateRow>(
      `SELECT * FROM store_templates WHERE store_id = $1 AND ($2::text IS NULL OR event_type = $2) ${ORDER}`,
      [storeId, eventType ?? null],
    );
    return rows;
  }

  async find(storeId: string, id: string): Promise<StoreTemplateRow | undefined> {
    return (await this.pool.query<StoreTemplateRow>('SELECT * FROM store_templates WHERE store_id = $1 AND id = $2', [storeId, id])).rows[0];
  }

  /** Throws ConflictError when the store has this (event, step, variant) already. */
  async insert(store: Pick<TemplateStore, 'id' | 'account_id'>, t: ValidStoreTemplate, meta: MetaTemplateRecord | null): Promise<StoreTemplateRow> {
    try {
      const { rows } = await this.pool.query<StoreTemplateRow>(
        `INSERT INTO store_templates (account_id, store_id, event_type, step, variant, weight, enabled, category, content, meta_template)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
        [store.account_id, store.id, t.event_type, t.step, t.variant, t.weight, t.enabled, t.category, JSON.stringify(t.content), meta && JSON.stringify(meta)],
      );
      return rows[0];
    } catch (err) {
      conflictOnDuplicate(err, t);
    }
  }

  /** Replaces a template; undefined when the store has no such template. Throws ConflictError like insert. */
  async replace(storeId: string, id: string, t: ValidStoreTemplate, meta: MetaTemplateRecord | null): Promise<StoreTemplateRow | undefined> {
    try {
      const { rows } = await this.pool.query<StoreTemplateRow>(
        `UPDATE store_templates
            SET event_type = $3, step = $4, variant = $5, weight = $6, enabled = $7, category = $8, content = $9, meta_template = $10, updated_at = now()
          WHERE store_id = $1 AND id = $2 RETURNING *`,
        [storeId, id, t.event_type, t.step, t.variant, t.weight, t.enabled, t.category, JSON.stringify(t.content), meta && JSON.stringify(meta)],
      );
      return rows[0];
    } catch (err) {
      conflictOnDuplicate(err, t);
    }
  }

  async delete(storeId: string, id: string): Promise<boolean> {
    return ((await this.pool.query('DELETE FROM store_templates WHERE store_id = $1 AND id = $2', [storeId, id])).rowCount ?? 0) > 0;
  }

  /** Records what Meta says of a linked template now (status, category, components, synced_at). */
  async recordMeta(storeId: string, id: string, meta: MetaTemplateRecord): Promise<void> {
    await this.pool.query('UPDATE store_templates SET meta_template = $3, updated_at = now() WHERE store_id = $1 AND id = $2', [storeId, id, JSON.stringify(meta)]);
  }
}
