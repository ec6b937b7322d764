import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { PG_POOL } from '../db/database';
import type { CheckoutIntentRow, CheckoutState, CrmSyncState } from './model';

type Db = Pool | PoolClient;

export type NewCheckoutIntent = Pick<
  CheckoutIntentRow,
  'id' | 'account_id' | 'store_id' | 'form_id' | 'contact_id' | 'name' | 'email' | 'phone' | 'product' | 'plan' | 'amount_minor' | 'currency' | 'gateway' | 'crm_state'
> & { abandon_after_ms: number; expire_after_ms: number };

/** What the CRM now holds for an intent; each field only ever goes from null to set. */
export type CrmProgressUpdate = Partial<Pick<CheckoutIntentRow, 'crm_person_id' | 'crm_deal_id' | 'crm_follow_up_id'>> & { won?: boolean };

/** The only place that runs SQL for checkout intents. */
@Injectable()
export class CheckoutIntentsRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async insert(i: NewCheckoutIntent, db: Db = this.pool): Promise<CheckoutIntentRow> {
    const { rows } = await db.query<CheckoutIntentRow>(
      `INSERT INTO checkout_intents (id, account_id, store_id, form_id, contact_id, name, email, phone, product, plan, amount_minor, currency, gateway,
                                     state, crm_state, abandon_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'new', $14,
               now() + make_interval(secs => $15::bigint / 1000.0), now() + make_interval(secs => $16::bigint / 1000.0))
       RETURNING *`,
      [i.id, i.account_id, i.store_id, i.form_id, i.contact_id, i.name, i.email, i.phone, i.product, i.plan, i.amount_minor, i.currency, i.gateway,
        i.crm_state, i.abandon_after_ms, i.abandon_after_ms + i.expire_after_ms],
    );
    return rows[0];
  }

  /**
   * The customer's intent for the same thing, still waiting for its link or its payment: a form
   * submitted twice (a double click, a back button) is one intent, one deal, one link.
   */
  async findPending(db: Db, i: Pick<CheckoutIntentRow, 'account_id' | 'store_id' | 'contact_id' | 'product' | 'plan' | 'amount_minor' | 'currency'>) {
    const { rows } = await db.query<CheckoutIntentRow>(
      `SELECT * FROM checkout_intents
        WHERE account_id = $1 AND store_id = $2 AND contact_id = $3 AND product = $4 AND plan IS NOT DISTINCT FROM $5
          AND amount_minor = $6 AND currency = $7 AND state IN ('new', 'open') AND abandon_at > now()
        ORDER BY created_at DESC LIMIT 1`,
      [i.account_id, i.store_id, i.contact_id, i.product, i.plan, i.amount_minor, i.currency],
    );
    return rows[0];
  }

  async linkCreated(id: string, link: { url: string; gatewayReference: string }): Promise<CheckoutIntentRow> {
    const { rows } = await this.pool.query<CheckoutIntentRow>(
      `UPDATE checkout_intents SET payment_url = $2, gateway_reference = $3, state = CASE WHEN state = 'new' THEN 'open' ELSE state END, updated_at = now()
        WHERE id = $1 RETURNING *`,
      [id, link.url, link.gatewayReference],
    );
    return rows[0];
  }

  async workflowStarted(id: string): Promise<void> {
    await this.pool.query('UPDATE checkout_intents SET workflow_started_at = coalesce(workflow_started_at, now()) WHERE id = $1', [id]);
  }

  async listUnstarted(olderThanMs: number, limit: number): Promise<CheckoutIntentRow[]> {
    const { rows } = await this.pool.query<CheckoutIntentRow>(
      `SELECT * FROM checkout_intents WHERE workflow_started_at IS NULL AND state = 'open'
          AND created_at < now() - make_interval(secs => $1::bigint / 1000.0) ORDER BY created_at LIMIT $2`,
      [olderThanMs, limit],
    );
    return rows;
  }

  async findById(id: string, db: Db = this.pool): Promise<CheckoutIntentRow | undefined> {
    return (await db.query<CheckoutIntentRow>('SELECT * FROM checkout_intents WHERE id = $1', [id])).rows[0];
  }

  /** The intent, locked until `db`'s transaction ends: a payment and an abandonment of one intent never interleave. */
  async lock(db: PoolClient, id: string): Promise<CheckoutIntentRow | undefined> {
    return (await db.query<CheckoutIntentRow>('SELECT * FROM checkout_intents WHERE id = $1 FOR UPDATE', [id])).rows[0];
  }

  async findOfAccount(accountId: string, id: string): Promise<CheckoutIntentRow | undefined> {
    return (await this.pool.query<CheckoutIntentRow>('SELECT * FROM checkout_intents WHERE account_id = $1 AND id = $2', [accountId, id])).rows[0];
  }

  async list(accountId: string, filter: { state?: CheckoutState; crmState?: CrmSyncState; storeId?: string; limit: number }): Promise<CheckoutIntentRow[]> {
    const { rows } = await this.pool.query<CheckoutIntentRow>(
      `SELECT * FROM checkout_intents
        WHERE account_id = $1 AND ($2::text IS NULL OR state = $2) AND ($3::text IS NULL OR crm_state = $3) AND ($4::uuid IS NULL OR store_id = $4)
        ORDER BY created_at DESC, id LIMIT $5`,
      [accountId, filter.state ?? null, filter.crmState ?? null, filter.storeId ?? null, filter.limit],
    );
    return rows;
  }

  /**
   * Inside a store event's transaction: the intents whose payment link the gateway says was paid
   * become `paid` (from open or abandoned; paid is final, so a late or repeated webhook changes
   * nothing) and their abandoned-checkout funnels are returned for the caller to stop.
   */
  async markPaid(db: PoolClient, storeId: string, gatewayReference: string, at: Date): Promise<Array<{ id: string; funnel_id: string | null }>> {
    const { rows } = await db.query<{ id: string; funnel_id: string | null }>(
      `UPDATE checkout_intents SET state = 'paid', paid_at = $3, updated_at = now(),
              crm_state = CASE WHEN crm_state = 'synced' THEN 'pending' ELSE crm_state END
        WHERE store_id = $1 AND gateway_reference = $2 AND state IN ('new', 'open', 'abandoned') RETURNING id, funnel_id`,
      [storeId, gatewayReference, at],
    );
    return rows;
  }

  /** Open and unpaid past its time: abandoned, with the funnel it started. False: it was paid (or abandoned) meanwhile. */
  async markAbandoned(db: PoolClient, id: string, funnelId: string | null): Promise<boolean> {
    const { rowCount } = await db.query(
      `UPDATE checkout_intents SET state = 'abandoned', abandoned_at = now(), funnel_id = $2, updated_at = now(),
              crm_state = CASE WHEN crm_state = 'synced' THEN 'pending' ELSE crm_state END
        WHERE id = $1 AND state = 'open'`,
      [id, funnelId],
    );
    return (rowCount ?? 0) > 0;
  }

  async markExpired(id: string): Promise<void> {
    await this.pool.query(`UPDATE checkout_intents SET state = 'expired', updated_at = now() WHERE id = $1 AND state = 'abandoned'`, [id]);
  }

  async crmProgress(id: string, progress: CrmProgressUpdate): Promise<void> {
    await this.pool.query(
      `UPDATE checkout_intents SET crm_person_id = coalesce(crm_person_id, $2), crm_deal_id = coalesce(crm_deal_id, $3),
              crm_follow_up_id = coalesce(crm_follow_up_id, $4), crm_won_at = CASE WHEN $5 THEN coalesce(crm_won_at, now()) ELSE crm_won_at END,
              updated_at = now()
        WHERE id = $1`,
      [id, progress.crm_person_id ?? null, progress.crm_deal_id ?? null, progress.crm_follow_up_id ?? null, progress.won === true],
    );
  }

  async crmSynced(id: string): Promise<void> {
    await this.pool.query(`UPDATE checkout_intents SET crm_state = 'synced', crm_error = NULL, crm_parked_at = NULL, updated_at = now() WHERE id = $1 AND crm_state <> 'none'`, [id]);
  }

  async crmParked(id: string, error: string): Promise<void> {
    await this.pool.query(
      `UPDATE checkout_intents SET crm_state = 'parked', crm_error = $2, crm_parked_at = now(), updated_at = now() WHERE id = $1 AND crm_state <> 'none'`,
      [id, error.slice(0, 2000)],
    );
  }

  /** Parked CRM work of the account (or of one intent) set to go again; the ids resumed. */
  async resumeCrm(accountId: string, id?: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string }>(
      `UPDATE checkout_intents SET crm_state = 'pending', crm_parked_at = NULL, updated_at = now()
        WHERE account_id = $1 AND crm_state = 'parked' AND ($2::uuid IS NULL OR id = $2) RETURNING id`,
      [accountId, id ?? null],
    );
    return rows.map((r) => r.id);
  }

  async deleteOfContact(tx: PoolClient, accountId: string, contactId: string): Promise<number> {
    const { rowCount } = await tx.query('DELETE FROM checkout_intents WHERE account_id = $1 AND contact_id = $2', [accountId, contactId]);
    return rowCount ?? 0;
  }
}
