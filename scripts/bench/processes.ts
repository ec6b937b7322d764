import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import * as path from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { Client } from 'pg';
import { loadConfig, type Config } from '../../src/config/config';
import { migrate } from '../../src/db/migrate';
import { endRunningOnTaskQueue } from '../../src/infra/end-workflows';
import { waitFor } from './api';

/**
 * What every bench that runs recado as deployed shares: a database of its own, created empty and
 * dropped at the end, and the API / worker / load processes with their noise filtered.
 */

/** Temporal's namespace of the benches, apart from dev's. */
export const BENCH_NAMESPACE = 'recado-bench';

/** An empty database `name` on the server of `baseUrl` (dropped first if a previous run left it); its URL and how to drop it. */
export async function freshDatabase(baseUrl: string, name: string): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = new Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      if (process.env.BENCH_KEEP !== '1') await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/** A fresh database `name` on the server of the environment's DATABASE_URL, with recado's schema migrated in. */
export async function migratedDatabase(name: string): Promise<{ url: string; drop(): Promise<void> }> {
  const database = await freshDatabase(loadConfig().databaseUrl, name);
  await migrate(database.url);
  return database;
}

/**
 * A node process of the bench (the API, the worker, a load generator): its errors and fatal log
 * lines go to `log`, the Temporal SDK's INFO lines are dropped; `onLine` gets its stdout lines that
 * are JSON records of the bench's own (`{"type"…`).
 */
export function startNode(name: string, args: string[], env: NodeJS.ProcessEnv, log: (line: string) => void, onLine?: (line: string) => void): ChildProcess {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let end;
    while ((end = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 1);
      if (onLine && line.startsWith('{"type"')) onLine(line);
      else if (/"level":(50|60)/.test(line)) log(`${name}: ${line.slice(0, 400)}`);
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    const text = chunk.toString().trimEnd();
    if (!/^\S+ \[INFO\]|^\s|^}/.test(text)) log(`${name}: ${text.slice(0, 3000)}`);
  });
  return child;
}

/** Sends `child` SIGTERM; resolves once it has exited. */
function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** recado as a bench runs it: the API and the worker processes, their configuration, and how to stop them. */
export interface BenchRecado {
  /** The API's base URL. */
  url: string;
  config: Config;
  api: ChildProcess;
  worker: ChildProcess;
  /** Resolves once the API answers its health check. */
  ready(): Promise<void>;
  /** Resolves once the worker polls its task queue, for a bench whose first measure would otherwise wait for it to start. */
  workerReady(): Promise<void>;
  /** Ends the workflows the bench left running on its task queues (saying how many, and returning it), then the processes, once they have exited. */
  stop(): Promise<number>;
}

/**
 * recado as deployed, for the bench `bench`: the API and a worker in processes of their own (built,
 * under dist/) on `databaseUrl`, in Temporal's recado-bench namespace on task queues of their own,
 * the API on a port drawn from `ports` (so a run left behind does not collide), no Telegram
 * polling, warnings and worse logged; `env` adds to that or overrides it (the simulators' URLs),
 * `workerEnv` adds to it for the worker alone (a bench that also counts the worker's logging).
 * `apiNodeArgs` and `workerNodeArgs` go to that process's node, e.g. --cpu-prof.
 */
export function startRecado(options: {
  bench: string;
  databaseUrl: string;
  ports: { from: number; count: number };
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  workerEnv?: NodeJS.ProcessEnv;
  apiNodeArgs?: string[];
  workerNodeArgs?: string[];
}): BenchRecado {
  const { bench, log } = options;
  const port = options.ports.from + randomInt(0, options.ports.count);
  const url = `http://127.0.0.1:${port}`;
  const taskQueue = `bench-${bench}-${randomBytes(4).toString('hex')}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: options.databaseUrl,
    TEMPORAL_NAMESPACE: BENCH_NAMESPACE,
    TEMPORAL_TASK_QUEUE: taskQueue,
    CONTACT_INDEX_TASK_QUEUE: `${taskQueue}-contact-index`,
    PUBLIC_API_URL: url,
    API_PORT: String(port),
    TELEGRAM_POLLING: 'off',
    LOG_LEVEL: 'warn',
    ...options.env,
  };
  const config = loadConfig(env);
  const built = (...p: string[]) => path.join(__dirname, '..', '..', ...p);
  const api = startNode('api', [...(options.apiNodeArgs ?? []), built('src', 'main.js')], env, log);
  const worker = startNode('worker', [...(options.workerNodeArgs ?? []), built('src', 'worker.js')], { ...env, ...options.workerEnv }, log);
  return {
    url,
    config,
    api,
    worker,
    ready: () => waitFor(async () => (await fetch(`${url}/health`).catch(() => undefined))?.ok === true, 60_000, 'the API'),
    async workerReady() {
      const connection = await Connection.connect({ address: config.temporal.address });
      const polled = async () =>
        ((
          await connection.workflowService.describeTaskQueue({
            namespace: config.temporal.namespace,
            taskQueue: { name: config.temporal.taskQueue },
            taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
          })
        ).pollers?.length ?? 0) > 0;
      try {
        await waitFor(polled, 120_000, 'the worker');
      } finally {
        await connection.close();
      }
    },
    async stop() {
      const end = (taskQueue: string) => endRunningOnTaskQueue({ ...config.temporal, taskQueue }, 'bench finished').catch(() => 0);
      const left = (await end(config.temporal.taskQueue)) + (await end(config.contactIndex.taskQueue));
      if (left) log(`ended ${left} workflow(s) the bench left running`);
      // Waited for, so that the bench ends with them rather than leaving them to whoever started it.
      await Promise.all([api, worker].map(exited));
      return left;
    },
  };
}
