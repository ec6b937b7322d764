import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client, Connection } from '@temporalio/client';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import * as path from 'node:path';
import { createApp } from '../../src/app';
import { loadConfig, type Config } from '../../src/config/config';
import { createLogger } from '../../src/common/logger';
import { createWorker } from '../../src/worker';

/**
 * Tests run their workflows in a namespace of their own (created by scripts/stack.mjs from
 * temporal/dev-server.json), never in the app's: what the app's namespace shows in the UI is real.
 */
export const TEST_NAMESPACE = 'recado-test';

/**
 * Every task queue of one `jest` run starts with this (test/global-setup.ts picks the run id), so
 * the global teardown finds exactly this run's workflows while other runs share the server.
 */
export function testTaskQueuePrefix(runId = process.env.RECADO_TEST_RUN_ID ?? 'norun'): string {
  return `test-${runId}-`;
}

/** `test-<run>-<file>-<random>`: a leftover workflow names the test file that started it. */
function testTaskQueue(): string {
  const testPath: string | undefined = (globalThis as any).expect?.getState?.().testPath;
  const file = testPath ? path.basename(testPath).replace(/\.test\.ts$/, '') : 'unknown';
  return `${testTaskQueuePrefix()}${file}-${randomBytes(4).toString('hex')}`;
}

/** Config for one test file: its own task queue in the test namespace, short durations, everything else from the stack's env. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    ...process.env,
    RECADO_ENV: 'test',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
    TEMPORAL_NAMESPACE: TEST_NAMESPACE,
    TEMPORAL_TASK_QUEUE: testTaskQueue(),
    MESSAGE_SEND_TIMEOUT: '3s',
    MESSAGE_UNKNOWN_OUTCOME_WAIT: '20s',
    ...overrides,
  });
}

/** A Temporal client in the config's namespace (the test namespace for a testConfig()). */
export async function temporalClient(config: Config): Promise<Client> {
  return new Client({ connection: await Connection.connect({ address: config.temporal.address }), namespace: config.temporal.namespace });
}

export interface RunningApi {
  app: NestFastifyApplication;
  url: string;
  close(): Promise<void>;
}

export async function startApi(config: Config): Promise<RunningApi> {
  const app = await createApp(config, createLogger(config.logLevel, 'test-api'));
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return { app, url: `http://127.0.0.1:${address.port}`, close: () => app.close() };
}

export async function startWorker(config: Config) {
  const { worker, close } = await createWorker(config);
  const running = worker.run();
  return {
    async stop() {
      worker.shutdown();
      await running;
      await close();
    },
  };
}

/** The built worker (dist/) as its own process, so a test can kill it without warning. */
export function spawnWorker(config: Config, env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['dist/src/worker.js'], {
    env: {
      ...process.env,
      TYPESENSE_COLLECTION: config.typesense.collection,
      DATABASE_URL: config.databaseUrl,
      TEMPORAL_NAMESPACE: config.temporal.namespace,
      TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
      WHATSAPP_GRAPH_URL: config.whatsapp.graphUrl,
      LIVEKIT_CONNECTOR_URL: config.livekit.connectorUrl,
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('worker running')) resolve(child);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`worker exited (${code}) before running:\n${output}`)));
  });
}

/** A small fetch wrapper that returns status and parsed body. */
export function apiClient(baseUrl: string, token?: string) {
  return async function call<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T; headers: Record<string, string> }> {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* plain text */
    }
    return { status: res.status, body: parsed as T, headers: Object.fromEntries(res.headers.entries()) };
  };
}

export function randomPhoneNumberId(): string {
  return String(randomInt(100_000_000, 999_999_999)) + String(randomInt(100_000, 999_999));
}

export function randomWaId(): string {
  return `55119${String(randomInt(10_000_000, 99_999_999))}`;
}

/** Creates an account with its key and connects a WhatsApp number to it. */
export async function createTenant(api: RunningApi, config: Config, name = 'Farmácia Teste') {
  const operator = apiClient(api.url, config.adminToken);
  const created = await operator('POST', '/v1/admin/accounts', { name });
  if (created.status !== 201) throw new Error(`account not created: ${JSON.stringify(created)}`);
  const key: string = created.body.api_key.key;
  const call = apiClient(api.url, key);
  const phoneNumberId = randomPhoneNumberId();
  const number = await call('POST', '/v1/whatsapp-numbers', {
    phone_number_id: phoneNumberId,
    waba_id: '102290129340398',
    display_phone_number: '+55 11 4000-0000',
    access_token: 'test-access-token',
  });
  if (number.status !== 201) throw new Error(`number not connected: ${JSON.stringify(number)}`);
  return { accountId: created.body.account.id as string, key, call, numberId: number.body.id as string, phoneNumberId };
}

/** Polls until `check` returns a value (not undefined) or the deadline passes. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
