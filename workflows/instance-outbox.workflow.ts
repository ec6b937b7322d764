import {
  ParentClosePolicy,
  condition,
  continueAsNew,
  defineSignal,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setHandler,
  sleep,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError, type SearchAttributePair } from '@temporalio/common';
import type { Activities } from '../activities';
import { dispatchWorkflow, dispatchWorkflowId, type DispatchInput } from './dispatch.workflow';
import { RecadoAccountId, RecadoKind, recadoSearchAttributes } from './search-attributes';

export interface InstanceOutboxInput {
  accountId: string;
  /** The instance (channel account) whose notifications this outbox paces. */
  channelAccountId: string;
}

export function instanceOutboxWorkflowId(channelAccountId: string): string {
  return `outbox-${channelAccountId}`;
}

/** Something was queued (or an instance or store came back): look at the outbox now. */
export const outboxWakeSignal = defineSignal('outboxWake');

/** Takes per run before continuing as new, so the history stays small (a send adds about 15 events). */
const TAKES_PER_RUN = 200;

export function outboxSearchAttributes(accountId: string): SearchAttributePair[] {
  return [
    { key: RecadoKind, value: 'outbox' },
    { key: RecadoAccountId, value: accountId },
  ];
}

/**
 * The paced outbox of one instance: one workflow per instance, so its pacing holds whatever the
 * number of workers. Each take (one transaction) applies the dispatch rules to the next due
 * notifications; a sent one becomes a routed message (dispatchWorkflow, abandoned to run on its
 * own) and the outbox sleeps the instance's minimum interval on a Temporal timer. With nothing
 * due it waits for a wake or the next due time, and ends once idle for the configured time (a
 * wake or the API's sweep starts it again).
 */
export async function instanceOutboxWorkflow(input: InstanceOutboxInput): Promise<void> {
  const { takeOutboxNotification } = proxyActivities<Activities>({
    startToCloseTimeout: '30s',
    retry: { maximumInterval: '1m' },
  });
  let woken = false;
  setHandler(outboxWakeSignal, () => {
    woken = true;
  });

  for (let i = 0; i < TAKES_PER_RUN && !workflowInfo().continueAsNewSuggested; i++) {
    // Cleared before the take: a wake that arrives during it is seen by the wait after it.
    woken = false;
    const take = await takeOutboxNotification(input);
    if (take.kind === 'sent') {
      await startDispatch(take.dispatch);
      // No minimum interval (a store that set PT0S): straight to the next take, no timer.
      if (take.intervalMs > 0) await sleep(take.intervalMs);
    } else if (take.kind === 'paced') {
      await sleep(Math.max(take.waitMs, 1));
    } else if (take.kind === 'idle') {
      const soon = take.nextDueInMs !== null && take.nextDueInMs <= take.idleAfterMs;
      const woke = await condition(() => woken, Math.max(soon ? take.nextDueInMs! : take.idleAfterMs, 1));
      if (!woke && !soon) return;
    }
  }
  await continueAsNew<typeof instanceOutboxWorkflow>(input);
}

async function startDispatch(dispatch: DispatchInput): Promise<void> {
  try {
    await startChild(dispatchWorkflow, {
      workflowId: dispatchWorkflowId(dispatch.dispatchId),
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: recadoSearchAttributes('dispatch', { accountId: dispatch.accountId, contactId: dispatch.contactId }),
      args: [dispatch],
    });
  } catch (err) {
    // DispatchesService's sweep started it first (this run was replayed after a worker died).
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/**
 * Wakes an instance's outbox from inside any workflow: starts it (a child abandoned to live on
 * its own) unless it runs, and signals it. Never fails the caller: a lost wake is picked up by
 * the API's sweep.
 */
export async function wakeInstanceOutbox(input: InstanceOutboxInput): Promise<void> {
  const workflowId = instanceOutboxWorkflowId(input.channelAccountId);
  // A running outbox is signalled (the usual case, and the cheaper command); one that is not
  // running is started, which takes what is due at once. It may end between the two: try twice.
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await getExternalWorkflowHandle(workflowId).signal(outboxWakeSignal);
      return;
    } catch {
      // Not running: start it below.
    }
    try {
      await startChild(instanceOutboxWorkflow, {
        workflowId,
        parentClosePolicy: ParentClosePolicy.ABANDON,
        typedSearchAttributes: outboxSearchAttributes(input.accountId),
        args: [input],
      });
      return;
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
        log.warn('instance outbox not started; the sweep will start it', { workflowId, error: String(err) });
        return;
      }
    }
  }
  log.warn('instance outbox not woken; the sweep will start it', { workflowId });
}
