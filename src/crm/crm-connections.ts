import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { SEALED_COLUMNS } from '../secrets/sealed-columns';
import { SealedJson } from '../secrets/sealed-json';
import type { SecretKeys } from '../secrets/secrets';
import type { CrmConfig } from './crm.config';
import type { CrmDriver } from './driver';
import { PipedriveDriver } from './pipedrive/pipedrive.driver';

export const CRM_PROVIDERS = ['pipedrive'] as const;
export type CrmProvider = (typeof CRM_PROVIDERS)[number];

export interface CrmConnectionRow {
  id: string;
  account_id: string;
  provider: CrmProvider;
  pipeline_id: string | null;
  stage_id: string | null;
  activity_type: string | null;
  /** Sealed { api_token }. */
  secrets: string;
  created_at: Date;
  updated_at: Date;
}

export type CrmConnectionSettings = Pick<CrmConnectionRow, 'provider' | 'pipeline_id' | 'stage_id' | 'activity_type'>;

/** An account's CRM: its settings, its sealed token, and the driver that speaks to it. Used by the API and the worker. */
export class CrmConnections {
  private readonly sealed: SealedJson;

  constructor(
    private readonly pool: Pool,
    keys: SecretKeys,
    private readonly config: CrmConfig,
  ) {
    this.sealed = new SealedJson(keys, SEALED_COLUMNS.crmSecrets);
  }

  async find(accountId: string): Promise<CrmConnectionRow | undefined> {
    return (await this.pool.query<CrmConnectionRow>('SELECT * FROM crm_connections WHERE account_id = $1', [accountId])).rows[0];
  }

  /** Connects the account's CRM, or replaces its settings and token. */
  async save(accountId: string, settings: CrmConnectionSettings, apiToken: string): Promise<CrmConnectionRow> {
    const existing = await this.find(accountId);
    const id = existing?.id ?? randomUUID();
    const { rows } = await this.pool.query<CrmConnectionRow>(
      `INSERT INTO crm_connections (id, account_id, provider, pipeline_id, stage_id, activity_type, secrets)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (account_id) DO UPDATE SET provider = EXCLUDED.provider, pipeline_id = EXCLUDED.pipeline_id, stage_id = EXCLUDED.stage_id,
              activity_type = EXCLUDED.activity_type, secrets = EXCLUDED.secrets, updated_at = now()
       RETURNING *`,
      [id, accountId, settings.provider, settings.pipeline_id, settings.stage_id, settings.activity_type, this.sealed.seal(id, { api_token: apiToken })],
    );
    return rows[0];
  }

  async remove(accountId: string): Promise<boolean> {
    return ((await this.pool.query('DELETE FROM crm_connections WHERE account_id = $1', [accountId])).rowCount ?? 0) > 0;
  }

  /** The driver for a connection, its token opened for the requests it makes. */
  driver(connection: CrmConnectionRow): CrmDriver {
    const token = this.sealed.open(connection.id, connection.secrets).api_token;
    switch (connection.provider) {
      case 'pipedrive':
        return new PipedriveDriver(this.config.pipedrive, token);
    }
  }
}
