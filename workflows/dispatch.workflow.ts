import { condition, defineQuery, defineSignal, executeChild, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { Activities } from '../activities';
import { sendMessageWorkflow, sendMessageWorkflowId, type SendMessageInput } from './send-message.workflow';

export interface DispatchInput {
  accountId: string;
  dispatchId: string;
  /** A step whose channel gives delivery receipts falls back to the next when none arrives in this time. */
  receiptTimeout: Duration;
  send: Pick<SendMessageInput, 'sendTimeout' | 'unknownOutcomeWait' | 'giveUpAfter'>;
}

export type DispatchResult = { state: 'delivered' | 'sent'; messageId: string } | { state: 'undelivered' };

/** A receipt for one of the dispatch's channel messages (sent by the receipt's handler after its commit). */
export const dispatchReceiptSignal = defineSignal<[{ messageId: string; state: string }]>('dispatchReceipt');
export const dispatchProgressQuery = defineQuery<{ step: number; messageId: string | null }>('dispatchProgress');

export function dispatchWorkflowId(dispatchId: string): string {
  return `dispatch-${dispatchId}`;
}

const REACHED = ['delivered', 'read', 'played'];

/**
 * A routed message: tries the plan's channels in order, cheapest first. Each step is one message
 * sent exactly once; the next step runs when the send fails, when the provider reports the
 * message failed, or when a channel that gives delivery receipts gives none in time (a timer).
 */
export async function dispatchWorkflow(input: DispatchInput): Promise<DispatchResult> {
  const { loadDispatchPlan, createDispatchMessage, finishDispatch } = proxyActivities<Activities>({
    startToCloseTimeout: '30s',
    retry: { maximumInterval: '1m' },
  });
  const receipts = new Map<string, string>();
  let step = 0;
  let messageId: string | null = null;
  setHandler(dispatchReceiptSignal, (r) => {
    if (receipts.get(r.messageId) === 'failed') return;
    receipts.set(r.messageId, r.state);
  });
  setHandler(dispatchProgressQuery, () => ({ step, messageId }));

  const ids = { accountId: input.accountId, dispatchId: input.dispatchId };
  const plan = await loadDispatchPlan(ids);
  for (; step < plan.length; step++) {
    const attempt = await createDispatchMessage({ ...ids, step });
    if ('skipped' in attempt) continue;
    messageId = attempt.messageId;
    const sent = await executeChild(sendMessageWorkflow, {
      workflowId: sendMessageWorkflowId(messageId),
      taskQueue: workflowInfo().taskQueue,
      args: [{ accountId: input.accountId, messageId, ...input.send }],
    });
    if (sent.state === 'failed') continue;
    if (!plan[step].deliveryReceipts) {
      await finishDispatch({ ...ids, state: 'sent', messageId });
      return { state: 'sent', messageId };
    }
    const id = messageId;
    const heard = await condition(() => REACHED.includes(receipts.get(id) ?? '') || receipts.get(id) === 'failed', input.receiptTimeout);
    if (heard && receipts.get(id) !== 'failed') {
      await finishDispatch({ ...ids, state: 'delivered', messageId });
      return { state: 'delivered', messageId };
    }
  }
  await finishDispatch({ ...ids, state: 'undelivered', messageId: null });
  return { state: 'undelivered' };
}
