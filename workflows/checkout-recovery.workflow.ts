import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  defineSignal,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  startChild,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities';
import type { CheckoutState } from '../src/checkout/model';
import { funnelWorkflow } from './funnel.workflow';
import { funnelSearchAttributes } from './search-attributes';

export interface CheckoutRecoveryInput {
  intentId: string;
  /** CHECKOUT_CRM_RETRY_BUDGET when the recovery started. */
  crmRetryBudgetMs: number;
}

/** A payment arrived, the CRM work was resumed: look again now. */
export const checkoutChangedSignal = defineSignal('checkoutChanged');

/**
 * One checkout intent, from its payment link to its end: the CRM gets the person and the deal;
 * then it waits for the gateway's payment webhook. Paid → the deal is won and recovery stops.
 * Not paid in time → the deal's owner gets a follow-up activity and the customer enters the
 * abandoned-checkout funnel; a payment until the intent expires still closes everything (deal
 * won, reminders cancelled). A CRM that keeps failing past the retry budget parks its work —
 * visible on the intent — until `resume-crm`; the payment side goes on meanwhile.
 */
export async function checkoutRecoveryWorkflow(input: CheckoutRecoveryInput): Promise<{ state: CheckoutState }> {
  const { planCheckoutRecovery, abandonCheckout, expireCheckout, parkCheckoutCrm } = proxyActivities<Activities>({
    startToCloseTimeout: '30s',
    retry: { maximumInterval: '1m' },
  });
  const { syncCheckoutCrm } = proxyActivities<Activities>({
    startToCloseTimeout: '2m',
    scheduleToCloseTimeout: input.crmRetryBudgetMs,
    retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '2m', nonRetryableErrorTypes: ['CrmUnauthorizedError', 'CrmRejectedError'] },
  });
  let changed = false;
  setHandler(checkoutChangedSignal, () => {
    changed = true;
  });

  for (;;) {
    changed = false;
    const step = await planCheckoutRecovery({ intentId: input.intentId, now: Date.now() });
    switch (step.kind) {
      case 'done':
        return { state: step.state };
      case 'wait':
        if (step.until === null) await condition(() => changed);
        else await condition(() => changed, Math.max(1, step.until - Date.now()));
        break;
      case 'sync_crm':
        try {
          await syncCheckoutCrm({ intentId: input.intentId });
        } catch (err) {
          await parkCheckoutCrm({ intentId: input.intentId, error: failureMessage(err) });
        }
        break;
      case 'abandon': {
        const funnel = await abandonCheckout({ intentId: input.intentId });
        if (funnel) await startFunnel(funnel);
        break;
      }
      case 'expire':
        await expireCheckout({ intentId: input.intentId });
        break;
    }
  }
}

/** The abandoned-checkout funnel runs on its own: it outlives this workflow and ends with the payment. */
async function startFunnel(funnel: { id: string; accountId: string; storeId: string; contactId: string; funnel: string }): Promise<void> {
  try {
    await startChild(funnelWorkflow, {
      workflowId: funnel.id,
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: funnelSearchAttributes({ accountId: funnel.accountId, contactId: funnel.contactId }, { storeId: funnel.storeId, funnel: funnel.funnel }),
      args: [{ funnelId: funnel.id, accountId: funnel.accountId, storeId: funnel.storeId }],
    });
  } catch (err) {
    // The funnels' sweeper started it first: one funnel either way.
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

function failureMessage(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) return `${cause.type ?? 'Error'}: ${cause.message}`;
  return cause instanceof Error ? cause.message : String(cause);
}
