import { ApplicationFailure } from '@temporalio/activity';
import type { Pool } from 'pg';
import { CheckoutIntentsRepository } from '../src/checkout/checkout-intents.repository';
import { planRecovery, type RecoveryStep } from '../src/checkout/recovery-plan';
import { syncIntentToCrm } from '../src/checkout/crm-sync';
import { abandonedCheckoutEvent } from '../src/checkout/abandoned-checkout';
import { CrmConnections } from '../src/crm/crm-connections';
import type { CrmConfig } from '../src/crm/crm.config';
import { CrmRateLimitedError } from '../src/crm/driver';
import { inTransaction } from '../src/db/database';
import { funnelActionsFor } from '../src/funnels/funnel-plan';
import { FunnelsRepository } from '../src/funnels/funnels.repository';
import type { SecretKeys } from '../src/secrets/secrets';

export interface CheckoutActivityDeps {
  pool: Pool;
  secrets: SecretKeys;
  crm: CrmConfig;
}

/** A funnel the abandoned checkout started, for the workflow to run. */
export interface StartedFunnel {
  id: string;
  accountId: string;
  storeId: string;
  contactId: string;
  funnel: string;
}

/** The I/O of checkoutRecoveryWorkflow: the intent's state read fresh, the CRM brought in line, the abandonment. */
export function createCheckoutActivities(deps: CheckoutActivityDeps) {
  const intents = new CheckoutIntentsRepository(deps.pool);
  const connections = new CrmConnections(deps.pool, deps.secrets, deps.crm);
  const funnels = new FunnelsRepository(deps.pool);

  return {
    /** `now` is the workflow's clock, so that the plan follows its timers. */
    async planCheckoutRecovery(input: { intentId: string; now: number }): Promise<RecoveryStep> {
      const intent = await intents.findById(input.intentId);
      // Erased with its contact (LGPD): nothing left to recover.
      if (!intent) return { kind: 'done', state: 'expired' };
      return planRecovery({
        state: intent.state,
        abandonAt: intent.abandon_at.getTime(),
        expiresAt: intent.expires_at.getTime(),
        now: input.now,
        crm: { state: intent.crm_state, hasDeal: intent.crm_deal_id !== null, won: intent.crm_won_at !== null, hasFollowUp: intent.crm_follow_up_id !== null },
      });
    },

    /** Retried with backoff within CHECKOUT_CRM_RETRY_BUDGET; a 429 waits as long as the CRM asked. */
    async syncCheckoutCrm(input: { intentId: string }): Promise<void> {
      const intent = await intents.findById(input.intentId);
      if (!intent) return;
      try {
        await syncIntentToCrm(intent, { intents, connections });
      } catch (err) {
        if (err instanceof CrmRateLimitedError && err.retryAfterMs !== null) {
          throw ApplicationFailure.create({ type: err.name, message: err.message, nextRetryDelay: err.retryAfterMs });
        }
        throw err;
      }
    },

    async parkCheckoutCrm(input: { intentId: string; error: string }): Promise<void> {
      await intents.crmParked(input.intentId, input.error);
    },

    /**
     * Unpaid in time: the intent is abandoned and, in the same transaction, the store's
     * abandoned-checkout funnel (`cart_abandoned`, the intent as its cart) starts for the customer
     * — unless they paid or ordered meanwhile, which the funnels' own rules see.
     */
    async abandonCheckout(input: { intentId: string }): Promise<StartedFunnel | null> {
      return inTransaction(deps.pool, async (db) => {
        const intent = await intents.lock(db, input.intentId);
        if (!intent || intent.state !== 'open') return null;
        const { rows } = await db.query<{ deleted: boolean }>('SELECT deleted_at IS NOT NULL AS deleted FROM stores WHERE id = $1', [intent.store_id]);
        if (!rows[0] || rows[0].deleted) {
          await intents.markAbandoned(db, intent.id, null);
          return null;
        }
        const event = abandonedCheckoutEvent(intent);
        const target = { accountId: intent.account_id, storeId: intent.store_id, contactId: intent.contact_id };
        const effects = await funnels.applyEvent(db, { ...target, event, actions: funnelActionsFor(event) });
        await intents.markAbandoned(db, intent.id, effects.funnelId);
        return effects.started && effects.funnelId ? { id: effects.funnelId, ...target, funnel: 'cart_abandoned' } : null;
      });
    },

    async expireCheckout(input: { intentId: string }): Promise<void> {
      await intents.markExpired(input.intentId);
    },
  };
}
