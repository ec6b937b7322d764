import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL, inRetryingTransaction } from '../../db/database';

/** One outbox row a drain holds: the contact and the change count it saw when it claimed it. */
export interface ClaimedContact {
  contact_id: string;
  account_id: string;
  claimed_version: number;
  attempts: number;
}

/** What became of one claimed contact. */
export type IndexOutcome =
  | { contactId: string; accountId: string; result: 'indexed' | 'deleted' }
  | { contactId: string; accountId: string; result: 'rejected'; error: string };

export interface FinalizeSummary {
  /** held by another drain by now (our lease ran out): marked dirty again, as what we wrote may be older */
  lost: number;
  /** rows removed: the index shows the latest change */
  done: number;
  /** changed while being indexed: kept dirty for the next drain */
  moved: number;
  /** rejected by Typesense, to be tried again after a backoff */
  retried: number;
  parked: number;
}

export interface RetryPolicy {
  maxAttempts: number;
  backoffMs: number;
}

export interface OutboxBacklog {
  backlog: number;
  /** age of the oldest change the index does not show yet (0 when none) */
  oldestDirtyMs: number;
  /** rows a drain may claim now (not backing off, not held) */
  readyBacklog: number;
  /** drains holding an unexpired claim */
  drainsRunning: number;
}

export interface ParkedContact {
  contact_id: string;
  reason: string;
  attempts: number;
  parked_at: Date;
}

/**
 * The contact index outbox: the triggers write it, the indexer claims, finalizes and retries its
 * rows. The only SQL that touches contact_index_outbox and contact_index_parked.
 */
@Injectable()
export class ContactIndexOutboxRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * Claims up to `limit` dirty contacts for `owner`, oldest change first. SKIP LOCKED keeps two
   * drains off the same rows; a claim whose lease ran out (its drain died) is claimable again.
   */
  async claim(owner: string, limit: number, leaseMs: number): Promise<ClaimedContact[]> {
    const { rows } = await this.pool.query<ClaimedContact & { claimed_version: string }>(
      `UPDATE contact_index_outbox
          SET claimed_by = $1, claimed_version = version, claimed_at = clock_timestamp(),
              claimed_until = now() + $3 * interval '1 millisecond'
        WHERE contact_id IN (
          SELECT contact_id FROM contact_index_outbox
           WHERE available_at <= now() AND (claimed_until IS NULL OR claimed_until < now())
           ORDER BY dirty_at
           LIMIT $2
           FOR UPDATE SKIP LOCKED)
        RETURNING contact_id, account_id, claimed_version, attempts`,
      [owner, limit, leaseMs],
    );
    return rows.map((r) => ({ ...r, claimed_version: Number(r.claimed_version) }));
  }

  /**
   * Records what indexing did, for the rows `owner` still holds (a row whose lease expired and was
   * claimed by another drain is that drain's now). A row changed meanwhile stays dirty; a row
   * Typesense rejected backs off, and is parked after policy.maxAttempts unless it changed meanwhile.
   */
  async finalize(owner: string, outcomes: IndexOutcome[], policy: RetryPolicy): Promise<FinalizeSummary> {
    const succeeded = outcomes.filter((o) => o.result !== 'rejected').map((o) => o.contactId);
    const rejected = outcomes.filter((o): o is Extract<IndexOutcome, { result: 'rejected' }> => o.result === 'rejected');
    // Writers mark contacts dirty in their own order: a deadlock with one of them is retried.
    return inRetryingTransaction(this.pool, async (db) => {
      const summary: FinalizeSummary = { lost: 0, done: 0, moved: 0, retried: 0, parked: 0 };
      const held = await db.query<{ contact_id: string }>(
        'SELECT contact_id FROM contact_index_outbox WHERE contact_id = ANY($1::uuid[]) AND claimed_by = $2 ORDER BY contact_id FOR UPDATE',
        [outcomes.map((o) => o.contactId), owner],
      );
      const stillHeld = new Set(held.rows.map((r) => r.contact_id));
      const lost = outcomes.filter((o) => !stillHeld.has(o.contactId) && o.result !== 'rejected');
      if (lost.length) {
        // Another drain may have written a newer state before ours landed: index the contact once more.
        await db.query('SELECT mark_contact_dirty(account_id, contact_id) FROM unnest($1::uuid[], $2::uuid[]) AS t(account_id, contact_id)', [
          lost.map((o) => o.accountId),
          lost.map((o) => o.contactId),
        ]);
        summary.lost = lost.length;
      }
      if (succeeded.length) {
        const done = await db.query(
          `DELETE FROM contact_index_outbox
            WHERE contact_id = ANY($1::uuid[]) AND claimed_by = $2 AND version = claimed_version`,
          [succeeded, owner],
        );
        summary.done = done.rowCount ?? 0;
        // Indexed now: a parked contact that changed and went through is no longer parked.
        await db.query('DELETE FROM contact_index_parked WHERE contact_id = ANY($1::uuid[])', [succeeded]);
        const moved = await db.query(
          `UPDATE contact_index_outbox
              SET claimed_by = NULL, claimed_version = NULL, claimed_until = NULL,
                  dirty_at = claimed_at, claimed_at = NULL,
                  attempts = 0, last_error = NULL, available_at = '-infinity'
            WHERE contact_id = ANY($1::uuid[]) AND claimed_by = $2`,
          [succeeded, owner],
        );
        summary.moved = moved.rowCount ?? 0;
      }
      if (rejected.length) {
        const ids = rejected.map((r) => r.contactId);
        const errors = rejected.map((r) => r.error.slice(0, 2000));
        const parked = await db.query(
          `WITH input AS (SELECT * FROM unnest($1::uuid[], $2::text[]) AS t(contact_id, error)),
                gone AS (
                  DELETE FROM contact_index_outbox o USING input
                   WHERE o.contact_id = input.contact_id AND o.claimed_by = $3 AND o.version = o.claimed_version
                     AND o.attempts + 1 >= $4
                  RETURNING o.contact_id, o.account_id, o.attempts + 1 AS attempts, input.error)
           INSERT INTO contact_index_parked (contact_id, account_id, reason, attempts)
           SELECT contact_id, account_id, error, attempts FROM gone
           ON CONFLICT (contact_id) DO UPDATE
             SET reason = EXCLUDED.reason, attempts = EXCLUDED.attempts, parked_at = now(), account_id = EXCLUDED.account_id`,
          [ids, errors, owner, policy.maxAttempts],
        );
        summary.parked = parked.rowCount ?? 0;
        const retried = await db.query(
          `UPDATE contact_index_outbox o
              SET claimed_by = NULL, claimed_version = NULL, claimed_at = NULL, claimed_until = NULL,
                  last_error = input.error, attempts = o.attempts + 1,
                  available_at = now() + ($3 * power(2, least(o.attempts, 20))) * interval '1 millisecond'
             FROM unnest($1::uuid[], $2::text[]) AS input(contact_id, error)
            WHERE o.contact_id = input.contact_id AND o.claimed_by = $4`,
          [ids, errors, policy.backoffMs, owner],
        );
        summary.retried = retried.rowCount ?? 0;
      }
      return summary;
    });
  }

  /** Gives claimed rows back untouched (Typesense was not reached): not an attempt against them. */
  async release(owner: string, contactIds: string[]): Promise<number> {
    if (contactIds.length === 0) return 0;
    const { rowCount } = await this.pool.query(
      `UPDATE contact_index_outbox
          SET claimed_by = NULL, claimed_version = NULL, claimed_at = NULL, claimed_until = NULL
        WHERE contact_id = ANY($1::uuid[]) AND claimed_by = $2`,
      [contactIds, owner],
    );
    return rowCount ?? 0;
  }

  async backlog(): Promise<OutboxBacklog> {
    const { rows } = await this.pool.query<{ backlog: string; oldest_ms: number | null; ready: string; drains: string }>(
      `SELECT count(*) AS backlog,
              extract(epoch FROM clock_timestamp() - min(dirty_at)) * 1000 AS oldest_ms,
              count(*) FILTER (WHERE available_at <= now() AND (claimed_until IS NULL OR claimed_until < now())) AS ready,
              count(DISTINCT claimed_by) FILTER (WHERE claimed_until >= now()) AS drains
         FROM contact_index_outbox`,
    );
    const r = rows[0];
    return {
      backlog: Number(r.backlog),
      oldestDirtyMs: Math.max(0, Math.round(Number(r.oldest_ms ?? 0))),
      readyBacklog: Number(r.ready),
      drainsRunning: Number(r.drains),
    };
  }

  /** One account's share of the backlog, and how many of its contacts are parked. */
  async accountBacklog(accountId: string): Promise<{ backlog: number; oldestDirtyMs: number; parked: number }> {
    const { rows } = await this.pool.query<{ backlog: string; oldest_ms: number | null; parked: string }>(
      `SELECT (SELECT count(*) FROM contact_index_outbox WHERE account_id = $1) AS backlog,
              (SELECT extract(epoch FROM clock_timestamp() - min(dirty_at)) * 1000
                 FROM contact_index_outbox WHERE account_id = $1) AS oldest_ms,
              (SELECT count(*) FROM contact_index_parked WHERE account_id = $1) AS parked`,
      [accountId],
    );
    const r = rows[0];
    return { backlog: Number(r.backlog), oldestDirtyMs: Math.max(0, Math.round(Number(r.oldest_ms ?? 0))), parked: Number(r.parked) };
  }

  async parked(accountId: string, limit: number): Promise<ParkedContact[]> {
    const { rows } = await this.pool.query<ParkedContact>(
      `SELECT contact_id, reason, attempts, parked_at FROM contact_index_parked
        WHERE account_id = $1 ORDER BY parked_at DESC, contact_id LIMIT $2`,
      [accountId, limit],
    );
    return rows;
  }

  /**
   * Marks dirty every contact changed at or after `since` (its row, a new identity, channel
   * activity): after a reindex swapped the alias, the indexer rewrites what the old collection got.
   */
  async markChangedSince(accountId: string, since: Date): Promise<number> {
    const { rowCount } = await this.pool.query(
      `SELECT mark_contact_dirty(c.account_id, c.id) FROM contacts c
        WHERE c.account_id = $2 AND (c.updated_at >= $1
           OR EXISTS (SELECT 1 FROM contact_identities i WHERE i.contact_id = c.id AND i.account_id = c.account_id AND i.created_at >= $1)
           OR EXISTS (SELECT 1 FROM contact_channel_activity a WHERE a.contact_id = c.id AND a.account_id = c.account_id
                        AND greatest(a.last_inbound_at, a.last_outbound_at) >= $1))`,
      [since, accountId],
    );
    return rowCount ?? 0;
  }
}
