import { Client, Connection, WorkflowNotFoundError, type WorkflowExecutionInfo } from '@temporalio/client';
import { loadConfig } from '../src/config/config';
import { createTypesenseClient } from '../src/contacts/index/contacts-collection';
import { dropTestCollections } from './support/contact-index';
import { TEST_NAMESPACE, testTaskQueuePrefix } from './support/stack';

/**
 * Ends what this run started: its search collections are dropped. Workflows of this run (task queue `test-<run>-<file>-…`) still
 * running in the test namespace are listed and terminated: their workers are gone, so nobody
 * would ever finish them. Workflows of this run found in the app's namespace (TEMPORAL_NAMESPACE)
 * fail the run: ops must be able to trust that namespace, and a test that writes there has to be
 * fixed. With RECADO_TEST_LEAKS=fail, leftovers in the test namespace fail the run too.
 */
export default async function globalTeardown() {
  const runId = process.env.RECADO_TEST_RUN_ID;
  if (!runId) return;
  const config = loadConfig();
  await dropTestCollections(createTypesenseClient(config.typesense), config.typesense.collection);
  const prefix = testTaskQueuePrefix(runId);
  const client = new Client({ connection: await Connection.connect({ address: config.temporal.address }) });
  try {
    const ofThisRun = `TaskQueue STARTS_WITH '${prefix}'`;
    const leftover = await endAll(client, TEST_NAMESPACE, `${ofThisRun} AND ExecutionStatus = 'Running'`, prefix);
    const appNamespace = config.temporal.namespace;
    const inApp = appNamespace === TEST_NAMESPACE ? [] : await endAll(client, appNamespace, ofThisRun, prefix);

    if (leftover.length) {
      process.stderr.write(`\n[tests] ${leftover.length} workflow(s) of this run were still running in ${TEST_NAMESPACE}; terminated:\n${report(leftover)}\n`);
    }
    if (inApp.length) {
      throw new Error(`${inApp.length} workflow(s) of this run were started in the app's namespace "${appNamespace}" (running ones terminated); build Temporal clients and workers from testConfig():\n${report(inApp)}`);
    }
    if (leftover.length && process.env.RECADO_TEST_LEAKS === 'fail') {
      throw new Error(`RECADO_TEST_LEAKS=fail: ${leftover.length} workflow(s) left running in ${TEST_NAMESPACE}`);
    }
  } finally {
    await client.connection.close();
  }
}

interface Found {
  file: string;
  type: string;
  workflowId: string;
  status: string;
}

/** Lists what matches and terminates what still runs. */
async function endAll(client: Client, namespace: string, query: string, prefix: string): Promise<Found[]> {
  const found: Found[] = [];
  const scoped = new Client({ connection: client.connection, namespace });
  for await (const wf of scoped.workflow.list({ query })) {
    found.push(foundOf(wf, prefix));
    if (wf.status.name !== 'RUNNING') continue;
    try {
      await scoped.workflow.getHandle(wf.workflowId, wf.runId).terminate('left running by the test run that started it');
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err; // it ended meanwhile
    }
  }
  return found;
}

function foundOf(wf: WorkflowExecutionInfo, prefix: string): Found {
  // test-<run>-<file>-<random>[-<more>]: the file is what lies between the prefix and the random part.
  const file = wf.taskQueue.slice(prefix.length).replace(/-[0-9a-f]{8}(-.*)?$/, '');
  return { file, type: wf.type, workflowId: wf.workflowId, status: wf.status.name };
}

/** One line per test file and workflow type, with a count and one example id. */
function report(found: Found[]): string {
  const groups = new Map<string, Found[]>();
  for (const f of found) {
    const key = `${f.file}.test.ts  ${f.type} (${f.status.toLowerCase()})`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  return [...groups.entries()].map(([key, list]) => `  ${key} ×${list.length}, e.g. ${list[0].workflowId}`).join('\n');
}
