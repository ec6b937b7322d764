import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { CONFIG } from '../config/config.module';
import type { Config } from '../config/config';
import { PG_POOL } from '../db/database';
import { AccessTokens } from './access-tokens';

export interface WhatsAppNumberRow {
  id: string;
  account_id: string;
  phone_number_id: string;
  waba_id: string;
  display_phone_number: string;
  /** Sealed (src/secrets); CallingGraph opens it for the request it makes. */
  access_token: string;
  created_at: Date;
}

@Injectable()
export class NumbersRepository {
  private readonly tokens: AccessTokens;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CONFIG) config: Config,
  ) {
    this.tokens = new AccessTokens(config.secrets);
  }

  /** The token is sealed for the row's id, so the id is chosen here rather than by Postgres. */
  async insert(
    accountId: string,
    n: { phone_number_id: string; waba_id: string; display_phone_number: string; access_token: string },
  ): Promise<WhatsAppNumberRow | undefined> {
    const id = randomUUID();
    const { rows } = await this.pool.query<WhatsAppNumberRow>(
      `INSERT INTO whatsapp_numbers (id, account_id, phone_number_id, waba_id, display_phone_number, access_token)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (phone_number_id) DO NOTHING RETURNING *`,
      [id, accountId, n.phone_number_id, n.waba_id, n.display_phone_number, this.tokens.seal(id, n.access_token)],
    );
    return rows[0];
  }

  async list(accountId: string): Promise<WhatsAppNumberRow[]> {
    return (
      await this.pool.query<WhatsAppNumberRow>(
        'SELECT * FROM whatsapp_numbers WHERE account_id = $1 ORDER BY created_at',
        [accountId],
      )
    ).rows;
  }

  async findById(accountId: string, id: string): Promise<WhatsAppNumberRow | undefined> {
    return (
      await this.pool.query<WhatsAppNumberRow>('SELECT * FROM whatsapp_numbers WHERE account_id = $1 AND id = $2', [
        accountId,
        id,
      ])
    ).rows[0];
  }

  /** Webhooks name Meta's phone_number_id; it is globally unique, so it identifies the account. */
  async findByPhoneNumberId(phoneNumberId: string): Promise<WhatsAppNumberRow | undefined> {
    return (
      await this.pool.query<WhatsAppNumberRow>('SELECT * FROM whatsapp_numbers WHERE phone_number_id = $1', [
        phoneNumberId,
      ])
    ).rows[0];
  }

  /** A change without metadata (template or account updates) names only the business account. */
  async findByWabaId(wabaId: string): Promise<WhatsAppNumberRow | undefined> {
    return (await this.pool.query<WhatsAppNumberRow>('SELECT * FROM whatsapp_numbers WHERE waba_id = $1 ORDER BY created_at LIMIT 1', [wabaId])).rows[0];
  }
}
