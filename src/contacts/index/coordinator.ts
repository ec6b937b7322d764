import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { durationMs, type Config } from '../../config/config';
import { contactIndexerWorkflowId, type ContactIndexerInput, type contactIndexerWorkflow } from '../../../workflows/contact-indexer.workflow';

export function contactIndexerInput(config: Config['contactIndex']): ContactIndexerInput {
  return {
    maxDrains: config.maxDrains,
    drainBudgetMs: durationMs(config.drainBudget),
    idlePollMs: durationMs(config.idlePoll),
    // A drain heartbeats after every batch; one that has not for a lease is gone, and so are its claims.
    heartbeatTimeoutMs: durationMs(config.lease),
  };
}

/**
 * Starts the contact index coordinator unless it already runs (every worker process calls this
 * on start; the workflow id makes it a singleton per task queue). Returns its handle either way.
 */
export async function startContactIndexer(
  client: Client,
  config: Config,
  workflowId = contactIndexerWorkflowId(config.contactIndex.taskQueue),
): Promise<WorkflowHandle<typeof contactIndexerWorkflow>> {
  try {
    return await client.workflow.start<typeof contactIndexerWorkflow>('contactIndexerWorkflow', {
      workflowId,
      taskQueue: config.contactIndex.taskQueue,
      args: [contactIndexerInput(config.contactIndex)],
      // Ended (terminated by ops, failed): the next worker start brings it back.
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return client.workflow.getHandle(workflowId);
  }
}
