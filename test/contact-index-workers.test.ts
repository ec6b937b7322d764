import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Pool } from 'pg';
import { createPool } from '../src/db/database';
import { createTypesenseClient } from '../src/contacts/index/contacts-collection';
import { endRunningOnTaskQueue } from '../src/infra/end-workflows';
import { closedPort, dropTestCollections, indexedRevisions, insertAccount, insertContacts, outboxCount } from './support/contact-index';
import { eventually, spawnWorker, testConfig } from './support/stack';

const IMPORT_DELAY_MS = 150;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One import request a worker sent to Typesense, as the proxy in front of it saw it. */
interface ImportSeen {
  worker: string;
  ids: string[];
  startedAt: number;
  endedAt: number;
}

/**
 * A Typesense in front of Typesense, one per worker process: records which contacts each import
 * carries and when, so the test can tell whether two workers ever indexed a contact at once.
 * With `hold`, import requests wait until the test lets them go (or drops them).
 */
function recordingProxy(worker: string, target: string, seen: ImportSeen[]) {
  let hold = false;
  const held: { ids: string[]; response: ServerResponse }[] = [];
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const isImport = request.url?.includes('/documents/import') ?? false;
      const ids = isImport ? body.toString().split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { id: string }).id) : [];
      if (isImport && hold) {
        held.push({ ids, response });
        return;
      }
      const startedAt = Date.now();
      // Imports take a while, as under load: both workers get their share, and one can die mid-batch.
      void sleep(isImport ? IMPORT_DELAY_MS : 0)
        .then(() => fetch(`${target}${request.url}`, {
        method: request.method,
        headers: { 'x-typesense-api-key': String(request.headers['x-typesense-api-key'] ?? ''), 'content-type': String(request.headers['content-type'] ?? 'application/json') },
        body: ['GET', 'HEAD'].includes(request.method ?? 'GET') ? undefined : body,
      }))
        .then(async (res) => {
          const text = await res.text();
          if (isImport) seen.push({ worker, ids, startedAt, endedAt: Date.now() });
          response.writeHead(res.status, { 'content-type': res.headers.get('content-type') ?? 'application/json' }).end(text);
        })
        .catch(() => response.destroy());
    });
  });
  return {
    listen: () => new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as { port: number }).port}`))),
    holdImports: () => (hold = true),
    held: () => held,
    /** The held imports never reach Typesense: the batch their worker claimed is lost with it. */
    dropHeld: () => held.splice(0).forEach((h) => h.response.destroy()),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('contact index across worker processes', () => {
  const alias = `t_workers_${randomBytes(3).toString('hex')}`;
  const config = testConfig({ TYPESENSE_COLLECTION: alias });
  const typesense = createTypesenseClient(config.typesense);
  let pool: Pool;
  const workers: ChildProcess[] = [];

  beforeAll(() => {
    pool = createPool(config.databaseUrl, 2);
  });
  afterAll(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await endRunningOnTaskQueue({ ...config.temporal, taskQueue: config.contactIndex.taskQueue }, 'contact index workers test finished');
    await dropTestCollections(typesense, alias);
    await pool.end();
  });

  it('two workers drain one backlog without indexing a contact at once; one killed mid-batch loses nothing', async () => {
    const seen: ImportSeen[] = [];
    const proxies = { a: recordingProxy('a', config.typesense.url, seen), b: recordingProxy('b', config.typesense.url, seen) };
    const env = (proxyUrl: string) => ({
      TYPESENSE_URL: proxyUrl,
      TYPESENSE_COLLECTION: alias,
      CONTACT_INDEX_BATCH_SIZE: '100',
      CONTACT_INDEX_DRAINS_PER_WORKER: '2',
      CONTACT_INDEX_MAX_DRAINS: '4',
      CONTACT_INDEX_LEASE: '4s',
      // Short rounds: the coordinator rescales often, so it soon runs drains on both workers.
      CONTACT_INDEX_DRAIN_BUDGET: '1s',
      CONTACT_INDEX_IDLE_POLL: '200ms',
    });
    try {
      const [urlA, urlB] = [await proxies.a.listen(), await proxies.b.listen()];
      const a = await spawnWorker(config, env(urlA));
      workers.push(a);
      const metricsPort = await closedPort();
      const b = await spawnWorker(config, { ...env(urlB), WORKER_METRICS_ADDRESS: `127.0.0.1:${metricsPort}` });
      workers.push(b);
      const accountId = await insertAccount(pool, 'Loja Dois Workers');
      const ids = await insertContacts(pool, accountId, 5000, 'Dois');

      // Both workers take part; then worker a's next imports are held, and it dies with one in flight.
      await eventually(async () => (seen.some((s) => s.worker === 'a') && seen.some((s) => s.worker === 'b') ? true : undefined), 30_000, 'imports from both workers');
      proxies.a.holdImports();
      await eventually(async () => (proxies.a.held().length > 0 ? true : undefined), 30_000, 'an import of worker a in flight');
      a.kill('SIGKILL');
      const lost = proxies.a.held().flatMap((h) => h.ids);
      proxies.a.dropHeld();
      expect(lost.length).toBeGreaterThan(0);

      // Worker b takes the dead worker's claims over once their lease ends, and drains the rest.
      await eventually(async () => ((await outboxCount(pool, accountId)) === 0 ? true : undefined), 60_000, 'the backlog drained by worker b');
      const indexed = await indexedRevisions(typesense, alias, accountId);
      expect(ids.filter((id) => !indexed.has(id))).toEqual([]);
      const afterKill = seen.filter((s) => s.worker === 'b').flatMap((s) => s.ids);
      expect(lost.filter((id) => !afterKill.includes(id))).toEqual([]);

      // No contact was in two workers' imports at the same time.
      const overlapping: string[] = [];
      const byWorker = (w: string) => seen.filter((s) => s.worker === w);
      for (const x of byWorker('a')) {
        for (const y of byWorker('b')) {
          if (x.startedAt > y.endedAt || y.startedAt > x.endedAt) continue;
          const ys = new Set(y.ids);
          overlapping.push(...x.ids.filter((id) => ys.has(id)));
        }
      }
      expect(overlapping).toEqual([]);

      // The surviving worker serves its drain counts (the drain rate) to Prometheus.
      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      const indexedCount = /^recado_contact_index_documents_total\{[^}]*result="indexed"[^}]*\} (\d+)/m.exec(metrics);
      expect(Number(indexedCount?.[1])).toBeGreaterThan(0);
    } finally {
      await proxies.a.close().catch(() => {});
      await proxies.b.close().catch(() => {});
    }
  }, 120_000);
});
