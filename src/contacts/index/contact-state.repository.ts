import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '../../db/database';
import type { AttributeType, Channel, ContactState, IdentityKind } from './contact-document';

interface StateRow extends Omit<ContactState, 'activity'> {
  activity: { channel: Channel; last_inbound_at: string | null; last_outbound_at: string | null }[];
}

/** The contact row with its identities, channel activity and the account's attribute types, as one row. */
const STATE_SELECT = `
  SELECT c.id, c.account_id, c.name, c.status, c.tags, c.assigned_agent_id, c.involved_agent_ids,
         c.whatsapp_reachable, c.app_installed, c.email_reachable, c.telegram_reachable, c.opt_ins,
         c.order_number, c.quote_value, c.quote_status, c.erp_synced_at, c.attributes, c.revision,
         c.created_at, c.updated_at,
         COALESCE(i.identities, '[]'::json) AS identities,
         COALESCE(a.activity, '[]'::json) AS activity,
         COALESCE(d.attribute_types, '{}'::json) AS attribute_types
    FROM contacts c
    LEFT JOIN LATERAL (
      SELECT json_agg(json_build_object('kind', ci.kind, 'value', ci.value) ORDER BY ci.created_at, ci.kind, ci.value) AS identities
        FROM contact_identities ci WHERE ci.account_id = c.account_id AND ci.contact_id = c.id
    ) i ON true
    LEFT JOIN LATERAL (
      SELECT json_agg(json_build_object('channel', ca.channel, 'last_inbound_at', ca.last_inbound_at,
                                        'last_outbound_at', ca.last_outbound_at) ORDER BY ca.channel) AS activity
        FROM contact_channel_activity ca WHERE ca.account_id = c.account_id AND ca.contact_id = c.id
    ) a ON true
    LEFT JOIN LATERAL (
      SELECT json_object_agg(ad.key, ad.type) AS attribute_types
        FROM contact_attribute_definitions ad WHERE ad.account_id = c.account_id
    ) d ON true`;

const date = (value: string | null) => (value === null ? null : new Date(value));

function toState(row: StateRow): ContactState {
  return {
    ...row,
    identities: row.identities as { kind: IdentityKind; value: string }[],
    attribute_types: row.attribute_types as Record<string, AttributeType>,
    activity: row.activity.map((a) => ({
      channel: a.channel,
      last_inbound_at: date(a.last_inbound_at),
      last_outbound_at: date(a.last_outbound_at),
    })),
  };
}

/** Reads what search documents are built from. The only SQL of the index's view of contacts. */
@Injectable()
export class ContactStateRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** The states of the contacts that still exist among `ids`, in one query; a missing id was deleted or erased. */
  async read(ids: string[]): Promise<ContactState[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.pool.query<StateRow>(`${STATE_SELECT} WHERE c.id = ANY($1::uuid[])`, [ids]);
    return rows.map(toState);
  }

  /** Keyset page over an account's contacts by id (the reindex streams them this way). */
  async page(accountId: string, afterId: string | null, limit: number): Promise<ContactState[]> {
    const { rows } = await this.pool.query<StateRow>(
      `${STATE_SELECT} WHERE c.account_id = $1 AND ($2::uuid IS NULL OR c.id > $2::uuid) ORDER BY c.id LIMIT $3`,
      [accountId, afterId, limit],
    );
    return rows.map(toState);
  }

  async count(accountId?: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>('SELECT count(*) AS n FROM contacts WHERE $1::uuid IS NULL OR account_id = $1', [
      accountId ?? null,
    ]);
    return Number(rows[0].n);
  }

  /** Accounts that have contacts, each with its own collection. */
  async accounts(): Promise<string[]> {
    return (await this.pool.query<{ id: string }>('SELECT DISTINCT account_id AS id FROM contacts ORDER BY 1')).rows.map((r) => r.id);
  }

  /**
   * Ids (after `afterId`, in order) of contacts changed at or after `since` — their row, a new
   * identity, channel activity — or dirty in the outbox: what a reindex re-imports to catch up.
   */
  async changedSince(accountId: string, since: Date, afterId: string | null, limit: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string }>(
      `SELECT id FROM (
         SELECT id FROM contacts WHERE account_id = $4 AND updated_at >= $1
         UNION SELECT contact_id FROM contact_identities WHERE account_id = $4 AND created_at >= $1
         UNION SELECT contact_id FROM contact_channel_activity
                WHERE account_id = $4 AND greatest(last_inbound_at, last_outbound_at) >= $1
         UNION SELECT contact_id FROM contact_index_outbox WHERE account_id = $4
       ) changed (id)
       WHERE $2::uuid IS NULL OR id > $2::uuid
       ORDER BY id LIMIT $3`,
      [since, afterId, limit, accountId],
    );
    return rows.map((r) => r.id);
  }

  /** Which of `ids` are still contacts. */
  async existing(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const { rows } = await this.pool.query<{ id: string }>('SELECT id FROM contacts WHERE id = ANY($1::uuid[])', [ids]);
    return new Set(rows.map((r) => r.id));
  }

  /** The database's clock, so "changed since" compares times of one clock. */
  async now(): Promise<Date> {
    return (await this.pool.query<{ now: Date }>('SELECT clock_timestamp() AS now')).rows[0].now;
  }
}
