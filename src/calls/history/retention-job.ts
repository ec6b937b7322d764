import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import type { Config } from '../../config/config';
import { recordingRetentionWorkflowId, type recordingRetentionWorkflow } from '../../../workflows/recording-retention.workflow';

/**
 * Starts the recording retention job unless it already runs (every worker process asks on start;
 * the workflow id makes it one per task queue). Returns its handle either way.
 */
export async function startRecordingRetention(client: Client, config: Config): Promise<WorkflowHandle<typeof recordingRetentionWorkflow>> {
  const workflowId = recordingRetentionWorkflowId(config.temporal.taskQueue);
  try {
    return await client.workflow.start<typeof recordingRetentionWorkflow>('recordingRetentionWorkflow', {
      workflowId,
      taskQueue: config.temporal.taskQueue,
      args: [{ sweepIntervalMs: config.callAudio.recordings.retentionSweepMs }],
      // Ended (terminated by ops, failed): the next worker start brings it back.
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return client.workflow.getHandle(workflowId);
  }
}
