import { continueAsNew, defineQuery, proxyActivities, setHandler, sleep, upsertMemo, workflowInfo } from '@temporalio/workflow';
import type { ContactIndexActivities, DrainContactIndexResult } from '../activities/contact-index';
import { drainsWanted } from './drains-wanted';

/**
 * One coordinator per contact index task queue (one per deployment; tests and benches sharing a
 * namespace each have their own): starting it again finds the running one.
 */
export function contactIndexerWorkflowId(contactIndexTaskQueue: string): string {
  return `contact-indexer/${contactIndexTaskQueue}`;
}

export interface ContactIndexerInput {
  maxDrains: number;
  drainBudgetMs: number;
  idlePollMs: number;
  /** A drain that stops heartbeating this long is retried elsewhere (its claims expire after the lease). */
  heartbeatTimeoutMs: number;
  /** Rounds before handing over to a fresh run (history stays small). */
  roundsPerRun?: number;
  carried?: ContactIndexerStatus;
}

export interface ContactIndexerStatus {
  backlog: number;
  readyBacklog: number;
  oldestDirtyMs: number;
  /** drains running now */
  drains: number;
  /** most drains run at once since this coordinator (or its first run) started */
  peakDrains: number;
  /** documents one drain handled in the last round */
  ratePerDrain: number;
  rounds: number;
  indexed: number;
  deleted: number;
  failed: number;
  parked: number;
  /** drain activities that failed after their retries (Typesense down): their contacts stay in the outbox */
  failedDrains: number;
  updatedAt: number;
}

export const contactIndexerStatusQuery = defineQuery<ContactIndexerStatus>('status');

const DEFAULT_ROUNDS_PER_RUN = 500;
/** Hand over before the history gets anywhere near Temporal's limits. */
const MAX_HISTORY_EVENTS = 10_000;

/**
 * Drives the contact index: asks the outbox how much is dirty, runs as many drain activities
 * in parallel as drainsWanted says (on the contact-index task queue, so every worker process
 * takes some), and polls slowly when idle. The status query and the memo show the backlog.
 */
export async function contactIndexerWorkflow(input: ContactIndexerInput): Promise<never> {
  const { contactIndexBacklog } = proxyActivities<ContactIndexActivities>({
    startToCloseTimeout: '30s',
    retry: { maximumInterval: '30s' },
  });
  const { drainContactIndex } = proxyActivities<ContactIndexActivities>({
    startToCloseTimeout: `${input.drainBudgetMs + 5 * 60_000}ms`,
    heartbeatTimeout: `${input.heartbeatTimeoutMs}ms`,
    retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 5 },
  });
  const status: ContactIndexerStatus = input.carried ?? {
    backlog: 0,
    readyBacklog: 0,
    oldestDirtyMs: 0,
    drains: 0,
    peakDrains: 0,
    ratePerDrain: 0,
    rounds: 0,
    indexed: 0,
    deleted: 0,
    failed: 0,
    parked: 0,
    failedDrains: 0,
    updatedAt: Date.now(),
  };
  setHandler(contactIndexerStatusQuery, () => status);
  let shown = '';
  const showInMemo = () => {
    const memo = { backlog: status.backlog, lagMs: status.oldestDirtyMs, drains: status.drains, parked: status.parked };
    // Only changes, rounded to the second, so an idle coordinator does not grow its history.
    const key = JSON.stringify({ ...memo, lagMs: Math.round(memo.lagMs / 1000) });
    if (key === shown) return;
    shown = key;
    upsertMemo({ contactIndex: memo });
  };

  let before = status.readyBacklog;
  for (let round = 0; round < (input.roundsPerRun ?? DEFAULT_ROUNDS_PER_RUN); round++) {
    const backlog = await contactIndexBacklog();
    Object.assign(status, { backlog: backlog.backlog, readyBacklog: backlog.readyBacklog, oldestDirtyMs: backlog.oldestDirtyMs, updatedAt: Date.now() });
    const wanted = drainsWanted({ now: backlog.readyBacklog, before }, status.drains, status.ratePerDrain, input.maxDrains);
    before = backlog.readyBacklog;
    status.drains = wanted;
    status.peakDrains = Math.max(status.peakDrains, wanted);
    showInMemo();
    if (wanted === 0) {
      await sleep(input.idlePollMs);
    } else {
      const results = await Promise.allSettled(Array.from({ length: wanted }, () => drainContactIndex({ budgetMs: input.drainBudgetMs })));
      const done = results.filter((r): r is PromiseFulfilledResult<DrainContactIndexResult> => r.status === 'fulfilled').map((r) => r.value);
      status.failedDrains += results.length - done.length;
      let handled = 0;
      for (const r of done) {
        status.indexed += r.indexed;
        status.deleted += r.deleted;
        status.failed += r.failed;
        status.parked += r.parked;
        handled += r.indexed + r.deleted + r.failed;
      }
      // A round where every drain emptied the outbox says little about a drain's capacity: keep the larger estimate.
      const rate = handled / wanted;
      status.ratePerDrain = done.some((r) => r.remaining > 0) ? rate : Math.max(rate, status.ratePerDrain);
      if (done.length === 0) await sleep(input.idlePollMs);
    }
    status.rounds++;
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > MAX_HISTORY_EVENTS) break;
  }
  return continueAsNew<typeof contactIndexerWorkflow>({ ...input, carried: { ...status } });
}
