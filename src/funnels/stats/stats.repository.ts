import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '../../db/database';

export const STATS_GROUPS = ['template', 'step', 'variant', 'funnel'] as const;
export type StatsGroup = (typeof STATS_GROUPS)[number];

/** The columns each grouping is keyed by (whitelisted SQL: never built from input). */
const GROUP_KEYS: Record<StatsGroup, Array<{ name: GroupKey; sql: string }>> = {
  template: [
    { name: 'template_id', sql: 'n.template_id' },
    { name: 'event_type', sql: 'n.event_type' },
  ],
  step: [
    { name: 'funnel', sql: 'n.funnel' },
    { name: 'step', sql: 'n.step' },
  ],
  variant: [
    { name: 'event_type', sql: 'n.event_type' },
    { name: 'step', sql: 'n.step' },
    { name: 'variant', sql: 'n.variant' },
  ],
  funnel: [{ name: 'funnel', sql: 'n.funnel' }],
};

export type GroupKey = 'template_id' | 'event_type' | 'funnel' | 'step' | 'variant';

/** One group's counts for one revenue currency (the service merges currencies). */
export interface StatsCountsRow {
  template_id?: string | null;
  event_type?: string;
  funnel?: string;
  step?: number;
  variant?: string | null;
  sent: number;
  delivered: number;
  read: number;
  failed: number;
  expired: number;
  replied: number;
  clicked: number;
  converted: number;
  revenue_minor: string | null;
  revenue_currency: string | null;
}

export interface RecipientsRow {
  contacts: number;
  messages: number;
  avg: number | null;
  p50: number | null;
  max: number | null;
  day_1: number;
  day_2: number;
  day_3: number;
  day_4_plus: number;
}

export interface Period {
  from: Date | null;
  to: Date | null;
}

/** The only place that runs SQL for the funnels' statistics. */
@Injectable()
export class StatsRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** The store, when it is this account's and not deleted. */
  async storeExists(accountId: string, storeId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('SELECT 1 FROM stores WHERE account_id = $1 AND id = $2 AND deleted_at IS NULL', [accountId, storeId]);
    return (rowCount ?? 0) > 0;
  }

  /**
   * Counts per group and revenue currency over the store's sent and expired notifications whose
   * send (or, expired, creation) falls in the period. Delivery states come from the final message
   * of each notification's routed message: the one routing settled on (dispatches.message_id),
   * else the dispatch's last attempt.
   */
  async counts(accountId: string, storeId: string, group: StatsGroup, period: Period): Promise<StatsCountsRow[]> {
    const keys = GROUP_KEYS[group];
    const select = keys.map((k) => `${k.sql} AS ${k.name}`).join(', ');
    const by = keys.map((k) => k.sql).join(', ');
    const { rows } = await this.pool.query<StatsCountsRow>(
      `WITH n AS (
         SELECT n.*, f.funnel,
                (SELECT m.state FROM dispatches d
                   JOIN messages m ON m.id = coalesce(d.message_id,
                        (SELECT l.id FROM messages l WHERE l.dispatch_id = d.id ORDER BY l.created_at DESC, l.id DESC LIMIT 1))
                  WHERE d.id = n.dispatch_id) AS final_state
           FROM notifications n JOIN funnels f ON f.id = n.funnel_id
          WHERE n.account_id = $1 AND n.store_id = $2 AND n.state IN ('sent', 'expired')
            AND ($3::timestamptz IS NULL OR coalesce(n.sent_at, n.created_at) >= $3)
            AND ($4::timestamptz IS NULL OR coalesce(n.sent_at, n.created_at) < $4)
       )
       SELECT ${select},
              count(*) FILTER (WHERE n.state = 'sent')::int AS sent,
              count(*) FILTER (WHERE n.state = 'sent' AND n.final_state IN ('delivered', 'read', 'played'))::int AS delivered,
              count(*) FILTER (WHERE n.state = 'sent' AND n.final_state IN ('read', 'played'))::int AS read,
              count(*) FILTER (WHERE n.state = 'sent' AND n.final_state = 'failed')::int AS failed,
              count(*) FILTER (WHERE n.state = 'expired')::int AS expired,
              count(n.replied_at)::int AS replied,
              count(n.clicked_at)::int AS clicked,
              count(n.converted_at)::int AS converted,
              sum(n.revenue_minor) FILTER (WHERE n.converted_at IS NOT NULL)::text AS revenue_minor,
              n.revenue_currency
         FROM n GROUP BY ${by}, n.revenue_currency ORDER BY ${by}`,
      [accountId, storeId, period.from, period.to],
    );
    return rows;
  }

  /** How often the store's messages reach each customer: per contact in the period, and per contact per (UTC) day. */
  async recipients(accountId: string, storeId: string, period: Period): Promise<RecipientsRow> {
    const { rows } = await this.pool.query<RecipientsRow>(
      `WITH s AS (
         SELECT contact_id, sent_at FROM notifications
          WHERE account_id = $1 AND store_id = $2 AND state = 'sent'
            AND ($3::timestamptz IS NULL OR sent_at >= $3) AND ($4::timestamptz IS NULL OR sent_at < $4)
       ), per_contact AS (
         SELECT contact_id, count(*) AS c FROM s GROUP BY contact_id
       ), per_day AS (
         SELECT count(*) AS c FROM s GROUP BY contact_id, (sent_at AT TIME ZONE 'UTC')::date
       )
       SELECT (SELECT count(*) FROM per_contact)::int AS contacts,
              (SELECT count(*) FROM s)::int AS messages,
              (SELECT round(avg(c), 2) FROM per_contact)::float8 AS avg,
              (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY c) FROM per_contact)::float8 AS p50,
              (SELECT max(c) FROM per_contact)::int AS max,
              (SELECT count(*) FROM per_day WHERE c = 1)::int AS day_1,
              (SELECT count(*) FROM per_day WHERE c = 2)::int AS day_2,
              (SELECT count(*) FROM per_day WHERE c = 3)::int AS day_3,
              (SELECT count(*) FROM per_day WHERE c >= 4)::int AS day_4_plus`,
      [accountId, storeId, period.from, period.to],
    );
    return rows[0];
  }
}
