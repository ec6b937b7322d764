import { condition, defineQuery, defineSignal, executeChild, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { Activities } from '../activities';
import { walkPlan, type StepOutcome } from './dispatch-walk';
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
 * Delivered: a receipt confirmed it; sent: accepted where no receipt comes (or none came in time
 * and nothing after it went out); undelivered: no channel took it.
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
  const result = await walkPlan(plan.length, async (index): Promise<StepOutcome> => {
    step = index;
    const attempt = await createDispatchMessage({ ...ids, step: index });
    if ('skipped' in attempt) return { reached: false };
    const id = attempt.messageId;
    messageId = id;
    const sent = await executeChild(sendMessageWorkflow, {
      workflowId: sendMessageWorkflowId(id),
      taskQueue: workflowInfo().taskQueue,
      args: [{ accountId: input.accountId, messageId: id, ...input.send }],
    });
    if (sent.state === 'failed') return { reached: false };
    if (!plan[index].deliveryReceipts) return { reached: 'sent', messageId: id };
    const heard = await condition(() => REACHED.includes(receipts.get(id) ?? '') || receipts.get(id) === 'failed', input.receiptTimeout);
    if (heard && receipts.get(id) !== 'failed') return { reached: 'delivered', messageId: id };
    return heard ? { reached: false } : { reached: false, accepted: id };
  });
  if (result.state === 'undelivered') {
    await finishDispatch({ ...ids, state: 'undelivered', messageId: null });
    return { state: 'undelivered' };
  }
  await finishDispatch({ ...ids, state: result.state, messageId: result.messageId });
  return { state: result.state, messageId: result.messageId };
}
