import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { PG_POOL } from '../../db/database';
import type { MessageCategory } from '../../messages/messages.repository';
import type { Channel, MessageContent } from '../driver';
import type { AccountChannels, ContactReach, RouteCandidate, RoutingPolicy } from './plan';

type Db = Pool | PoolClient;

export type DispatchState = 'routing' | 'delivered' | 'sent' | 'undelivered';

export interface DispatchRow {
  id: string;
  account_id: string;
  contact_id: string;
  category: MessageCategory;
  content: MessageContent;
  plan: RouteCandidate[];
  state: DispatchState;
  message_id: string | null;
  idempotency_key: string | null;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

/** The only place that runs SQL for routed messages (dispatches) and what routing reads of a contact. */
@Injectable()
export class DispatchesRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Returns the new row, or the existing one when the idempotency key was used before. */
  async insert(d: {
    id: string;
    accountId: string;
    contactId: string;
    category: MessageCategory;
    content: MessageContent;
    plan: RouteCandidate[];
    idempotencyKey: string | null;
  }, db: Db = this.pool): Promise<{ row: DispatchRow; created: boolean }> {
    const inserted = await db.query<DispatchRow>(
      `INSERT INTO dispatches (id, account_id, contact_id, category, content, plan, idempotency_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (account_id, idempotency_key) DO NOTHING RETURNING *`,
      [d.id, d.accountId, d.contactId, d.category, d.content, JSON.stringify(d.plan), d.idempotencyKey],
    );
    if (inserted.rows[0]) return { row: inserted.rows[0], created: true };
    const existing = await db.query<DispatchRow>('SELECT * FROM dispatches WHERE account_id = $1 AND idempotency_key = $2', [
      d.accountId,
      d.idempotencyKey,
    ]);
    return { row: existing.rows[0], created: false };
  }

  async findById(accountId: string, id: string, db: Db = this.pool): Promise<DispatchRow | undefined> {
    return (await db.query<DispatchRow>('SELECT * FROM dispatches WHERE account_id = $1 AND id = $2', [accountId, id])).rows[0];
  }

  async finish(accountId: string, id: string, state: Exclude<DispatchState, 'routing'>, messageId: string | null): Promise<void> {
    await this.pool.query(
      `UPDATE dispatches SET state = $3, message_id = $4, finished_at = now(), updated_at = now()
        WHERE account_id = $1 AND id = $2 AND state = 'routing'`,
      [accountId, id, state, messageId],
    );
  }

  /** Dispatches still routing after `olderThanMs` whose workflow may never have started (Temporal was down). */
  async listStuck(olderThanMs: number, limit: number): Promise<DispatchRow[]> {
    return (
      await this.pool.query<DispatchRow>(
        `SELECT d.* FROM dispatches d WHERE d.state = 'routing' AND d.created_at < now() - make_interval(secs => $1 / 1000.0)
            AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.dispatch_id = d.id)
          ORDER BY d.created_at LIMIT $2`,
        [olderThanMs, limit],
      )
    ).rows;
  }

  /** What routing needs to know of a contact: identities, app, opt-ins, windows per WhatsApp number. */
  async reachOf(accountId: string, contactId: string, db: Db = this.pool): Promise<ContactReach | undefined> {
    const { rows } = await db.query<{
      app_installed: boolean;
      opt_ins: Record<string, boolean>;
      identities: Array<{ kind: string; value: string }>;
      windows: Array<{ channel_account_id: string; last_inbound_at: string }>;
    }>(
      `SELECT c.app_installed, c.opt_ins,
              coalesce((SELECT json_agg(json_build_object('kind', i.kind, 'value', i.value) ORDER BY i.created_at, i.value)
                          FROM contact_identities i WHERE i.account_id = c.account_id AND i.contact_id = c.id), '[]') AS identities,
              coalesce((SELECT json_agg(json_build_object('channel_account_id', w.channel_account_id, 'last_inbound_at', w.last_inbound_at))
                          FROM service_windows w WHERE w.account_id = c.account_id AND w.contact_id = c.id), '[]') AS windows
         FROM contacts c WHERE c.account_id = $1 AND c.id = $2`,
      [accountId, contactId],
    );
    const row = rows[0];
    if (!row) return undefined;
    const first = (kind: string) => row.identities.find((i) => i.kind === kind)?.value;
    return {
      whatsapp: first('whatsapp'),
      email: first('email'),
      telegram: first('telegram'),
      app: first('app'),
      appInstalled: row.app_installed,
      optIns: row.opt_ins,
      lastInboundByNumber: Object.fromEntries(row.windows.map((w) => [w.channel_account_id, new Date(w.last_inbound_at)])),
    };
  }

  async channelsOf(accountId: string, db: Db = this.pool): Promise<AccountChannels> {
    const { rows } = await db.query<{ id: string; channel: Channel }>(
      'SELECT id, channel FROM channel_accounts WHERE account_id = $1 ORDER BY created_at, id',
      [accountId],
    );
    const channels: AccountChannels = { whatsapp: [], email: [], telegram: [], app: [] };
    for (const r of rows) channels[r.channel].push(r.id);
    return channels;
  }

  async policyOf(accountId: string, db: Db = this.pool): Promise<Partial<RoutingPolicy> | undefined> {
    return (await db.query<{ policy: Partial<RoutingPolicy> }>('SELECT policy FROM routing_policies WHERE account_id = $1', [accountId])).rows[0]?.policy;
  }

  async savePolicy(accountId: string, policy: Partial<RoutingPolicy>): Promise<void> {
    await this.pool.query(
      `INSERT INTO routing_policies (account_id, policy) VALUES ($1, $2)
       ON CONFLICT (account_id) DO UPDATE SET policy = EXCLUDED.policy, updated_at = now()`,
      [accountId, JSON.stringify(policy)],
    );
  }
}
