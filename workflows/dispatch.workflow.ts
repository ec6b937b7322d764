import { defineSignal } from '@temporalio/workflow';

/** A receipt for one of the dispatch's channel messages (sent by the receipt's handler after its commit). */
export const dispatchReceiptSignal = defineSignal<[{ messageId: string; state: string }]>('dispatchReceipt');

export function dispatchWorkflowId(dispatchId: string): string {
  return `dispatch-${dispatchId}`;
}
