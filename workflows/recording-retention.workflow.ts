import { continueAsNew, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { RecordingRetentionActivities } from '../activities/recording-retention';

/** One retention job per task queue (per deployment; each test has its own): starting it again finds the running one. */
export function recordingRetentionWorkflowId(taskQueue: string): string {
  return `recording-retention/${taskQueue}`;
}

export interface RecordingRetentionInput {
  sweepIntervalMs: number;
  /** Sweeps before handing over to a fresh run (history stays small). */
  sweepsPerRun?: number;
}

const DEFAULT_SWEEPS_PER_RUN = 200;

/**
 * Removes expired recordings: every interval, one sweep activity deletes the rows past their
 * expires_at and their files (and retries files an erasure or an earlier sweep could not delete).
 * The transcript and summary of the call stay: retention is about the audio.
 */
export async function recordingRetentionWorkflow(input: RecordingRetentionInput): Promise<never> {
  const { sweepExpiredRecordings } = proxyActivities<RecordingRetentionActivities>({
    startToCloseTimeout: '10m',
    heartbeatTimeout: '1m',
    retry: { maximumInterval: '5m' },
  });
  for (let sweep = 0; sweep < (input.sweepsPerRun ?? DEFAULT_SWEEPS_PER_RUN); sweep++) {
    try {
      await sweepExpiredRecordings();
    } catch {
      // Storage or Postgres down through every retry: the next sweep tries again.
    }
    await sleep(input.sweepIntervalMs);
    if (workflowInfo().continueAsNewSuggested) break;
  }
  return continueAsNew<typeof recordingRetentionWorkflow>(input);
}
