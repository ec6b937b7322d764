import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '../db/database';
import type { MetaCallPermissions, PermissionState } from './policy';
import { FIRST_WHATSAPP_ID } from '../contacts/contacts.repository';

export interface CallPermissionRow {
  account_id: string;
  whatsapp_number_id: string;
  contact_id: string;
  status: PermissionState['status'];
  state: PermissionState;
  expires_at: Date | null;
  requested_by_agent_id: string | null;
  updated_at: Date;
  meta: MetaCallPermissions | null;
  meta_synced_at: Date | null;
}

/** What a permission request needs to know about the pair: the recipient and whether the 24 h window is open. */
export interface PermissionRequestContext {
  /** null when the contact has no WhatsApp identity */
  wa_id: string | null;
  last_inbound_at: Date | null;
  call_permission_template: { name: string; language: string } | null;
}

@Injectable()
export class CallPermissionsRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async requestContext(accountId: string, numberId: string, contactId: string): Promise<PermissionRequestContext | undefined> {
    return (
      await this.pool.query<PermissionRequestContext>(
        `SELECT ${FIRST_WHATSAPP_ID('c')} AS wa_id,
                (SELECT a.last_inbound_at FROM contact_channel_activity a
                  WHERE a.account_id = c.account_id AND a.contact_id = c.id AND a.channel = 'whatsapp') AS last_inbound_at,
                n.call_permission_template
           FROM contacts c JOIN whatsapp_numbers n ON n.account_id = c.account_id
          WHERE c.account_id = $1 AND n.id = $2 AND c.id = $3`,
        [accountId, numberId, contactId],
      )
    ).rows[0];
  }

  async recordRequest(r: { accountId: string; numberId: string; contactId: string; agentId: string | null; messageId: string }) {
    await this.pool.query(
      `INSERT INTO call_permission_requests (account_id, whatsapp_number_id, contact_id, agent_id, message_id)
       VALUES ($1, $2, $3, $4, $5)`,
      [r.accountId, r.numberId, r.contactId, r.agentId, r.messageId],
    );
  }

  async save(p: {
    accountId: string;
    numberId: string;
    contactId: string;
    state: PermissionState;
    requestedByAgentId: string | null;
  }): Promise<void> {
    const expiresAt =
      p.state.status === 'granted' ? p.state.expiresAt : p.state.status === 'pending' ? p.state.requestExpiresAt : null;
    await this.pool.query(
      `INSERT INTO call_permissions (account_id, whatsapp_number_id, contact_id, status, state, expires_at, requested_by_agent_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (whatsapp_number_id, contact_id) DO UPDATE
         SET status = EXCLUDED.status, state = EXCLUDED.state, expires_at = EXCLUDED.expires_at,
             requested_by_agent_id = EXCLUDED.requested_by_agent_id, updated_at = now()`,
      [p.accountId, p.numberId, p.contactId, p.state.status, p.state, expiresAt === null ? null : new Date(expiresAt), p.requestedByAgentId],
    );
  }

  /** Keeps Meta's answer; creates the row when Meta knows of a permission recado never tracked. */
  async saveMeta(accountId: string, numberId: string, contactId: string, meta: MetaCallPermissions): Promise<void> {
    await this.pool.query(
      `INSERT INTO call_permissions (account_id, whatsapp_number_id, contact_id, status, state, meta, meta_synced_at)
       VALUES ($1, $2, $3, $4, $5, $6, now())
       ON CONFLICT (whatsapp_number_id, contact_id) DO UPDATE SET meta = EXCLUDED.meta, meta_synced_at = now()`,
      [accountId, numberId, contactId, meta.state.status, meta.state, meta],
    );
  }

  async find(accountId: string, numberId: string, contactId: string): Promise<CallPermissionRow | undefined> {
    return (
      await this.pool.query<CallPermissionRow>(
        'SELECT * FROM call_permissions WHERE account_id = $1 AND whatsapp_number_id = $2 AND contact_id = $3',
        [accountId, numberId, contactId],
      )
    ).rows[0];
  }

  async requestTimes(accountId: string, numberId: string, contactId: string): Promise<Date[]> {
    return (
      await this.pool.query<{ requested_at: Date }>(
        `SELECT requested_at FROM call_permission_requests
          WHERE account_id = $1 AND whatsapp_number_id = $2 AND contact_id = $3 ORDER BY requested_at`,
        [accountId, numberId, contactId],
      )
    ).rows.map((r) => r.requested_at);
  }
}
