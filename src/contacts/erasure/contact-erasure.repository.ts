import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { PG_POOL, inTransaction } from '../../db/database';
import type { ContactEraser, ContactToErase } from './contact-eraser';
import { identityTerms, scrubWebhookBody } from './webhook-scrub';

/** An LGPD audit row: who erased which contact id and what went, never the personal data. */
export interface ContactErasureRow {
  id: string;
  account_id: string;
  contact_id: string;
  erased_by: ErasedBy;
  erased_at: Date;
  completed_at: Date | null;
  summary: Record<string, number>;
}

/** The caller, without personal data: its role and, for an agent's token, the agent id. */
export interface ErasedBy {
  role: 'system' | 'admin' | 'agent';
  agent_id: string | null;
}

/** What the erasure found of the contact's Temporal workflows in its rows (calls, messages, permissions). */
export interface WorkflowRefs {
  callIds: string[];
  messageIds: string[];
  permissionNumberIds: string[];
}

export type IndexEntryOutcome = 'removed' | 'left_to_indexer' | 'absent';

/** A core eraser that deletes the rows one statement selects by ($1 account, $2 contact). */
function deleting(name: string, sql: string): ContactEraser {
  return {
    name,
    erase: async (tx, contact) => (await tx.query(sql, [contact.accountId, contact.id])).rowCount ?? 0,
  };
}

@Injectable()
export class ContactErasureRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  transaction<T>(work: (tx: PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, work);
  }

  /**
   * The core tables that name a contact, children before parents so each count is real rather
   * than a silent cascade. The contact row itself (with its identities and channel activity)
   * goes last, in deleteContact.
   */
  coreErasers(): ContactEraser[] {
    return [
      deleting('call_permission_requests', 'DELETE FROM call_permission_requests WHERE account_id = $1 AND contact_id = $2'),
      deleting('messages', 'DELETE FROM messages WHERE account_id = $1 AND contact_id = $2'),
      deleting('callback_tasks', 'DELETE FROM callback_tasks WHERE account_id = $1 AND contact_id = $2'),
      deleting(
        'call_participants',
        `DELETE FROM call_participants WHERE account_id = $1
            AND call_id IN (SELECT id FROM calls WHERE account_id = $1 AND contact_id = $2)`,
      ),
      deleting('calls', 'DELETE FROM calls WHERE account_id = $1 AND contact_id = $2'),
      deleting('call_permissions', 'DELETE FROM call_permissions WHERE account_id = $1 AND contact_id = $2'),
      deleting('blocked_callers', 'DELETE FROM blocked_callers WHERE account_id = $1 AND contact_id = $2'),
      // The contact is gone, so the indexer has nothing to keep parked.
      deleting('contact_index_parked', 'DELETE FROM contact_index_parked WHERE account_id = $1 AND contact_id = $2'),
      { name: 'inbound_webhooks', erase: (tx, contact) => this.scrubWebhooks(tx, contact) },
      deleting('contact_channel_activity', 'DELETE FROM contact_channel_activity WHERE account_id = $1 AND contact_id = $2'),
      deleting('contact_identities', 'DELETE FROM contact_identities WHERE account_id = $1 AND contact_id = $2'),
    ];
  }

  /** Locks the contact for its erasure; undefined when the account has no such contact (any more). */
  async lockContact(tx: PoolClient, accountId: string, id: string): Promise<ContactToErase | undefined> {
    const found = await tx.query('SELECT id FROM contacts WHERE account_id = $1 AND id = $2 FOR UPDATE', [accountId, id]);
    if (found.rowCount === 0) return undefined;
    const { rows: identities } = await tx.query<{ kind: string; value: string }>(
      'SELECT kind, value FROM contact_identities WHERE account_id = $1 AND contact_id = $2',
      [accountId, id],
    );
    return { accountId, id, identities, terms: identityTerms(identities) };
  }

  async workflowRefs(tx: PoolClient, contact: ContactToErase): Promise<WorkflowRefs> {
    const ids = async (sql: string) => (await tx.query<{ id: string }>(sql, [contact.accountId, contact.id])).rows.map((r) => r.id);
    return {
      callIds: await ids('SELECT id FROM calls WHERE account_id = $1 AND contact_id = $2'),
      messageIds: await ids('SELECT id FROM messages WHERE account_id = $1 AND contact_id = $2'),
      permissionNumberIds: await ids('SELECT whatsapp_number_id AS id FROM call_permissions WHERE account_id = $1 AND contact_id = $2'),
    };
  }

  /** The trigger on contacts marks the outbox: the indexer (or the erasure) removes the document. */
  async deleteContact(tx: PoolClient, contact: ContactToErase): Promise<number> {
    return (await tx.query('DELETE FROM contacts WHERE account_id = $1 AND id = $2', [contact.accountId, contact.id])).rowCount ?? 0;
  }

  async insertErasure(tx: PoolClient, accountId: string, contactId: string, erasedBy: ErasedBy): Promise<ContactErasureRow> {
    return (
      await tx.query<ContactErasureRow>(
        'INSERT INTO contact_erasures (account_id, contact_id, erased_by) VALUES ($1, $2, $3) RETURNING *',
        [accountId, contactId, JSON.stringify(erasedBy)],
      )
    ).rows[0];
  }

  async setSummary(tx: PoolClient, id: string, summary: Record<string, number>): Promise<ContactErasureRow> {
    return (await tx.query<ContactErasureRow>('UPDATE contact_erasures SET summary = $2 WHERE id = $1 RETURNING *', [id, JSON.stringify(summary)]))
      .rows[0];
  }

  /** An erasure whose steps outside Postgres did not finish: a retried DELETE completes it. */
  async findIncomplete(accountId: string, contactId: string): Promise<ContactErasureRow | undefined> {
    return (
      await this.pool.query<ContactErasureRow>(
        `SELECT * FROM contact_erasures WHERE account_id = $1 AND contact_id = $2 AND completed_at IS NULL
          ORDER BY erased_at DESC LIMIT 1`,
        [accountId, contactId],
      )
    ).rows[0];
  }

  /**
   * Adds counts of a step outside Postgres to the summary (a retry adds to what an earlier attempt
   * did), and completes the erasure when `complete`; a concurrent retry that completed it first keeps its time.
   */
  async addOutsideCounts(id: string, counts: Record<string, number>, complete: boolean): Promise<ContactErasureRow> {
    return (
      await this.pool.query<ContactErasureRow>(
        `UPDATE contact_erasures e
            SET completed_at = CASE WHEN $3 THEN coalesce(completed_at, now()) ELSE completed_at END,
                summary = summary || (SELECT coalesce(jsonb_object_agg(k, coalesce((e.summary ->> k)::bigint, 0) + v::bigint), '{}')
                                        FROM jsonb_each_text($2::jsonb) AS c(k, v))
          WHERE id = $1 RETURNING *`,
        [id, JSON.stringify(counts), complete],
      )
    ).rows[0];
  }

  async list(accountId: string, limit: number): Promise<ContactErasureRow[]> {
    return (
      await this.pool.query<ContactErasureRow>(
        'SELECT * FROM contact_erasures WHERE account_id = $1 ORDER BY erased_at DESC, id LIMIT $2',
        [accountId, limit],
      )
    ).rows;
  }

  /**
   * Removes the erased contact's outbox row around `deleteDocument`. The row is locked while the
   * document is deleted, so no drain claims it meanwhile, and removed only if no drain holds a live
   * claim: a drain that read the contact before the erasure committed could still write its stale
   * document, and the row (version bumped by the delete) makes the indexer look again, find the
   * contact gone and delete the document — so a claimed row is left to the indexer.
   */
  async releaseIndexEntry(accountId: string, contactId: string, deleteDocument: () => Promise<void>): Promise<IndexEntryOutcome> {
    return this.transaction(async (tx) => {
      const { rows } = await tx.query<{ claimed: boolean }>(
        `SELECT coalesce(claimed_until > now(), false) AS claimed FROM contact_index_outbox
          WHERE contact_id = $1 AND account_id = $2 FOR UPDATE`,
        [contactId, accountId],
      );
      await deleteDocument();
      if (rows.length === 0) return 'absent';
      if (rows[0].claimed) return 'left_to_indexer';
      await tx.query('DELETE FROM contact_index_outbox WHERE contact_id = $1 AND account_id = $2', [contactId, accountId]);
      return 'removed';
    });
  }

  /**
   * Stored deliveries of the account (or not routed to any) that name the contact are rewritten
   * without its events or deleted (see webhook-scrub.ts for which and why). A delivery whose
   * error or warnings name the contact is deleted: those texts cannot be rewritten safely.
   * Erasures are rare, so scanning the account's deliveries' text is acceptable.
   */
  private async scrubWebhooks(tx: PoolClient, contact: ContactToErase): Promise<number> {
    if (contact.terms.length === 0) return 0;
    const { rows } = await tx.query<{ id: string; raw_body: string; notes: string }>(
      `SELECT id, raw_body, coalesce(error, '') || warnings::text AS notes FROM inbound_webhooks w
        WHERE (account_id = $1 OR account_id IS NULL)
          AND EXISTS (SELECT 1 FROM unnest($2::text[]) t
                       WHERE strpos(w.raw_body, t) > 0 OR strpos(coalesce(w.error, ''), t) > 0 OR strpos(w.warnings::text, t) > 0)
        FOR UPDATE`,
      [contact.accountId, contact.terms],
    );
    let changed = 0;
    for (const row of rows) {
      const notesName = contact.terms.some((t) => row.notes.includes(t));
      const scrub = scrubWebhookBody(row.raw_body, contact.terms);
      if (notesName || scrub.action === 'delete') {
        // Its webhook_events rows (de-duplication keys: Meta's ids, no personal data) go by cascade.
        await tx.query('DELETE FROM inbound_webhooks WHERE id = $1', [row.id]);
        changed += 1;
      } else if (scrub.action === 'rewrite') {
        await tx.query('UPDATE inbound_webhooks SET raw_body = $2 WHERE id = $1', [row.id, scrub.body]);
        changed += 1;
      }
    }
    return changed;
  }
}
