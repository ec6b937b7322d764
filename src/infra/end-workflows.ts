import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';

/**
 * Terminates every workflow still running on a task queue that nobody will poll again (a test
 * file's or a bench's), so nothing runs forever in the namespace. Returns how many it ended.
 */
export async function endRunningOnTaskQueue(
  target: { address: string; namespace: string; taskQueue: string },
  reason: string,
): Promise<number> {
  const client = new Client({ connection: await Connection.connect({ address: target.address }), namespace: target.namespace });
  let ended = 0;
  try {
    for await (const wf of client.workflow.list({ query: `TaskQueue = '${target.taskQueue}' AND ExecutionStatus = 'Running'` })) {
      try {
        await client.workflow.getHandle(wf.workflowId, wf.runId).terminate(reason);
        ended += 1;
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err; // it ended meanwhile
      }
    }
  } finally {
    await client.connection.close();
  }
  return ended;
}
