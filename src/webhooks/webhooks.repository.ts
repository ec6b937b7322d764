import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { PG_POOL } from '../db/database';

export type WebhookStatus = 'received' | 'processed' | 'ignored' | 'invalid' | 'failed';

export interface InboundWebhookRow {
  id: string;
  provider: string;
  account_id: string | null;
  received_at: Date;
  raw_body: string;
  /** Who the delivery is addressed to when its body does not say (the channel account of a webhook URL or a poller). */
  route_hint: string | null;
  /** The request headers the provider's handler reads besides the body, when it reads any. */
  headers: Record<string, string> | null;
  status: WebhookStatus;
  error: string | null;
  warnings: string[];
  attempts: number;
  processed_at: Date | null;
}

export interface NewDelivery {
  provider: string;
  rawBody: string;
  routeHint: string | null;
  headers: Record<string, string>;
}

@Injectable()
export class WebhooksRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * The durable copies, written before the deliveries are acknowledged: several in one statement
   * (one commit); their ids, in the order given. Rows are
   * inserted in the order listed, so the sequence hands them ascending ids.
   */
  async storeMany(rows: NewDelivery[]): Promise<string[]> {
    // A VALUES list, not unnest of arrays: bodies go as plain parameters, with no array-literal
    // escaping to build here and parse there.
    const values = rows.map((_, i) => `($${4 * i + 1}, $${4 * i + 2}, $${4 * i + 3}, $${4 * i + 4}::jsonb, 'received')`).join(', ');
    const { rows: stored } = await this.pool.query<{ id: string }>(
      `INSERT INTO inbound_webhooks (provider, raw_body, route_hint, headers, status) VALUES ${values} RETURNING id`,
      rows.flatMap((r) => [r.provider, r.rawBody, r.routeHint, Object.keys(r.headers).length ? JSON.stringify(r.headers) : null]),
    );
    return stored.map((r) => r.id).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
  }

  async finish(
    id: string,
    o: { status: WebhookStatus; accountId: string | null; error: string | null; warnings: string[] },
  ): Promise<void> {
    await this.pool.query(
      `UPDATE inbound_webhooks SET status = $2, account_id = coalesce($3, account_id), error = $4, warnings = $5,
              attempts = attempts + 1, processed_at = CASE WHEN $2 IN ('processed', 'ignored', 'invalid') THEN now() END
        WHERE id = $1`,
      [id, o.status, o.accountId, o.error, JSON.stringify(o.warnings)],
    );
  }

  /**
   * Records an event under its natural key. False when it was seen before (Meta redelivers):
   * the caller then skips it. Runs in the transaction that applies the event, so an event is
   * marked seen exactly when its effects are committed.
   */
  async recordEvent(
    db: PoolClient,
    e: { provider: string; dedupeKey: string; webhookId: string; accountId: string | null; kind: string },
  ): Promise<boolean> {
    const { rowCount } = await db.query(
      `INSERT INTO webhook_events (provider, dedupe_key, webhook_id, account_id, kind, handled)
       VALUES ($1, $2, $3, $4, $5, true) ON CONFLICT DO NOTHING`,
      [e.provider, e.dedupeKey, e.webhookId, e.accountId, e.kind],
    );
    return rowCount === 1;
  }

  /** Kept for later (a feature that handles this kind, or a status for a message sent elsewhere). */
  async markEventUnhandled(db: PoolClient, provider: string, dedupeKey: string): Promise<void> {
    await db.query('UPDATE webhook_events SET handled = false WHERE provider = $1 AND dedupe_key = $2', [
      provider,
      dedupeKey,
    ]);
  }

  /**
   * Deliveries stored but not processed (a crash, Temporal down). Two processes picking the same
   * one is harmless: every event is de-duplicated by recordEvent inside its own transaction.
   */
  async listPending(olderThanMs: number, maxAttempts: number, limit: number, afterId = '0'): Promise<InboundWebhookRow[]> {
    return (
      await this.pool.query<InboundWebhookRow>(
        `SELECT * FROM inbound_webhooks
          WHERE status IN ('received', 'failed') AND attempts < $2
            AND received_at < now() - make_interval(secs => $1 / 1000.0) AND id > $4
          ORDER BY id LIMIT $3`,
        [olderThanMs, maxAttempts, limit, afterId],
      )
    ).rows;
  }

  /** Deliveries stored and never processed, in id order from `afterId` up to `upToId` (a process catching up on its overflow). */
  async listReceived(afterId: string, upToId: string, limit: number): Promise<InboundWebhookRow[]> {
    return (
      await this.pool.query<InboundWebhookRow>(
        `SELECT * FROM inbound_webhooks WHERE status = 'received' AND id > $1 AND id <= $2 ORDER BY id LIMIT $3`,
        [afterId, upToId, limit],
      )
    ).rows;
  }

  async list(filter: { accountId: string | null; status?: WebhookStatus; limit: number }): Promise<InboundWebhookRow[]> {
    return (
      await this.pool.query<InboundWebhookRow>(
        `SELECT * FROM inbound_webhooks
          WHERE ($1::uuid IS NULL OR account_id = $1) AND ($2::text IS NULL OR status = $2)
          ORDER BY id DESC LIMIT $3`,
        [filter.accountId, filter.status ?? null, filter.limit],
      )
    ).rows;
  }
}
