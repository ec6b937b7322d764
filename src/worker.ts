import { NativeConnection, Worker, WorkerOptions } from '@temporalio/worker';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createActivities } from '../activities';
import { loadConfigOrExit, type Config } from './config/config';
import { createLogger } from './common/logger';
import { createPool } from './db/database';
import { findRepoRoot } from './common/repo-root';

/** Written by `npm run build` (scripts/bundle-workflows.ts): production workers skip bundling at start-up. */
export const WORKFLOW_BUNDLE = path.join(findRepoRoot(), 'dist', 'workflow-bundle.js');

function workflowSource(): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  if (fs.existsSync(WORKFLOW_BUNDLE)) return { workflowBundle: { codePath: WORKFLOW_BUNDLE } };
  return { workflowsPath: require.resolve('../workflows') };
}

export async function createWorker(config: Config) {
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const pool = createPool(config.databaseUrl, 10);
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    activities: createActivities({
      pool,
      whatsapp: config.whatsapp,
      livekit: config.livekit,
      calls: config.calls,
      secrets: config.secrets,
    }),
    ...workflowSource(),
  });
  const close = async () => {
    await connection.close();
    await pool.end();
  };
  return { worker, close };
}

async function main() {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel, 'recado-worker');
  const { worker, close } = await createWorker(config);
  logger.info({ taskQueue: config.temporal.taskQueue, address: config.temporal.address }, 'worker running');
  // Worker.run() returns after SIGINT/SIGTERM once in-flight tasks are done.
  await worker.run();
  await close();
  logger.info('worker stopped');
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
