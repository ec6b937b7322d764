import { NativeConnection, Runtime, Worker, WorkerOptions } from '@temporalio/worker';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createActivities, createContactIndexActivitiesFor } from '../activities';
import { loadConfigOrExit, type Config } from './config/config';
import { createLogger } from './common/logger';
import { createPool } from './db/database';
import { findRepoRoot } from './common/repo-root';
import { createTypesenseClient } from './contacts/index/contacts-collection';
import { startContactIndexer } from './contacts/index/coordinator';
import { createRecordingRetentionActivities } from '../activities/recording-retention';
import { startRecordingRetention } from './calls/history/retention-job';
import { createRecordingStorage } from './recording/create-storage';

/** Written by `npm run build` (scripts/bundle-workflows.ts): production workers skip bundling at start-up. */
export const WORKFLOW_BUNDLE = path.join(findRepoRoot(), 'dist', 'workflow-bundle.js');

function workflowSource(): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  if (fs.existsSync(WORKFLOW_BUNDLE)) return { workflowBundle: { codePath: WORKFLOW_BUNDLE } };
  return { workflowsPath: require.resolve('../workflows') };
}

/** How long a stopping worker waits for its activities to let go before it exits anyway. */
const WORKER_SHUTDOWN_FORCE_TIME = '20s';
const WORKER_EXIT_DEADLINE_MS = 25_000;

export async function createWorker(config: Config) {
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const pool = createPool(config.databaseUrl, 10);
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    activities: {
      ...createActivities({
        pool,
        whatsapp: config.whatsapp,
        livekit: config.livekit,
        calls: config.calls,
        secrets: config.secrets,
        callAudio: config.callAudio,
        channels: config.channels,
        outbox: config.outbox,
        messages: config.messages,
        crm: config.crm,
        funnels: { publicUrl: config.api.publicUrl, expireAfterMs: config.funnels.expireAfterMs, staleAfterMs: config.funnels.staleAfterMs },
      }),
      ...createRecordingRetentionActivities({ pool, storage: createRecordingStorage(config.callAudio.recordings) }),
    },
    ...workflowSource(),
    // A call being recorded when the worker stops is cancelled at once and resumed by another
    // attempt (its heartbeat stops); a recorder that will not let go does not keep the process up.
    shutdownForceTime: WORKER_SHUTDOWN_FORCE_TIME,
  });
  const close = async () => {
    await connection.close();
    await pool.end();
  };
  return { worker, close };
}

/**
 * The worker of the contact index's task queue: the coordinator workflow and the drain
 * activities. Every worker process runs one, so drains spread over all of them; each runs at
 * most config.contactIndex.drainsPerWorker drains at once.
 */
export async function createContactIndexWorker(config: Config) {
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const pool = createPool(config.databaseUrl, config.contactIndex.drainsPerWorker + 2);
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.contactIndex.taskQueue,
    activities: createContactIndexActivitiesFor({
      pool,
      typesense: createTypesenseClient(config.typesense),
      collection: config.typesense.collection,
      contactIndex: config.contactIndex,
    }),
    maxConcurrentActivityTaskExecutions: config.contactIndex.drainsPerWorker,
    ...workflowSource(),
  });
  const close = async () => {
    await connection.close();
    await pool.end();
  };
  return { worker, close };
}

/**
 * The contact index coordinator and the recording retention job run (idempotent: every worker
 * start asks); accounts' collections are created on their first document.
 */
export async function prepareContactIndex(config: Config): Promise<void> {
  const client = new Client({ connection: await Connection.connect({ address: config.temporal.address }), namespace: config.temporal.namespace });
  try {
    await startContactIndexer(client, config);
    await startRecordingRetention(client, config);
  } finally {
    await client.connection.close();
  }
}

async function main() {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel, 'recado-worker');
  if (config.workerMetricsAddress) {
    // Temporal's SDK metrics and recado's own (recado_contact_index_documents_total) on /metrics.
    Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress: config.workerMetricsAddress } } } });
  }
  const main = await createWorker(config);
  const index = await createContactIndexWorker(config);
  // Typesense or Temporal not reachable yet must not keep the other flows from running: ask again later.
  const prepare = () =>
    prepareContactIndex(config).catch((err: unknown) => {
      logger.error({ err }, 'contact indexer or recording retention not started; trying again in 5 s');
      setTimeout(() => void prepare(), 5000).unref();
    });
  await prepare();
  logger.info(
    {
      taskQueue: config.temporal.taskQueue,
      contactIndexTaskQueue: config.contactIndex.taskQueue,
      address: config.temporal.address,
      metrics: config.workerMetricsAddress,
    },
    'worker running',
  );
  // A recorder's native LiveKit connection can outlive a stopped worker: past the force time, exit
  // anyway — its recording resumes on another worker, its missed stretch recorded as a gap.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => setTimeout(() => process.exit(0), WORKER_EXIT_DEADLINE_MS).unref());
  }
  // Worker.run() returns after SIGINT/SIGTERM once in-flight tasks are done; one stopping stops the other.
  const stopBoth = () => {
    for (const w of [main.worker, index.worker]) if (w.getState() === 'RUNNING') w.shutdown();
  };
  await Promise.all([main.worker.run().finally(stopBoth), index.worker.run().finally(stopBoth)]);
  await main.close();
  await index.close();
  logger.info('worker stopped');
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
