import type { Client } from '@temporalio/client';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Pool } from 'pg';
import type { Client as TypesenseClient } from 'typesense';
import type { Config } from '../src/config/config';
import { createTypesenseClient } from '../src/contacts/index/contacts-collection';
import { contactIndexerInput, startContactIndexer } from '../src/contacts/index/coordinator';
import { createContactIndexWorker } from '../src/worker';
import { contactIndexerStatusQuery, type ContactIndexerStatus, type contactIndexerWorkflow } from '../workflows/contact-indexer.workflow';
import { dropTestCollections, indexedRevisions, insertAccount, insertContacts, outboxCount } from './support/contact-index';
import { eventually, temporalClient, testConfig } from './support/stack';

const RECORDED = path.join(__dirname, 'histories', 'contact-indexer.continue-as-new.json');

/** The coordinator workflow with a real worker on the contact-index task queue: it scales drains with the backlog. */
describe('contact indexer workflow', () => {
  let config: Config;
  let pool: Pool;
  let typesense: TypesenseClient;
  let client: Client;
  let worker: Awaited<ReturnType<typeof createContactIndexWorker>>;
  let running: Promise<void>;

  beforeAll(async () => {
    config = testConfig({
      CONTACT_INDEX_BATCH_SIZE: '50',
      CONTACT_INDEX_DRAIN_BUDGET: '150ms',
      CONTACT_INDEX_IDLE_POLL: '100ms',
      CONTACT_INDEX_MAX_DRAINS: '4',
      CONTACT_INDEX_DRAINS_PER_WORKER: '4',
    });
    pool = new Pool({ connectionString: config.databaseUrl, max: 4 });
    typesense = createTypesenseClient(config.typesense);
    client = await temporalClient(config);
    worker = await createContactIndexWorker(config);
    running = worker.worker.run();
  });
  afterAll(async () => {
    worker?.worker.shutdown();
    await running;
    await worker?.close();
    await dropTestCollections(typesense, config.typesense.collection);
    await client?.connection.close();
    await pool?.end();
  });

  it('runs more than one drain for a large backlog, then goes back to 0 drains when idle', async () => {
    const workflowId = `contact-indexer-${config.contactIndex.taskQueue}`;
    const handle = await startContactIndexer(client, config, workflowId);
    try {
      // Starting again is harmless: the same run answers.
      expect((await startContactIndexer(client, config, workflowId)).workflowId).toBe(workflowId);
      const status = () => handle.query(contactIndexerStatusQuery);
      await eventually(async () => ((await status()).rounds > 0 ? true : undefined), 30_000, 'the first round');

      const accountId = await insertAccount(pool);
      const ids = await insertContacts(pool, accountId, 6000);
      const busy: ContactIndexerStatus = await eventually(async () => {
        const s = await status();
        return s.drains > 1 ? s : undefined;
      }, 60_000, 'more than one drain');
      expect(busy.drains).toBeLessThanOrEqual(4);
      expect(busy.backlog).toBeGreaterThan(0);

      const idle = await eventually(async () => {
        const s = await status();
        return s.drains === 0 && s.backlog === 0 ? s : undefined;
      }, 60_000, 'the coordinator to go idle');
      expect(idle.peakDrains).toBeGreaterThan(1);
      expect(idle.indexed).toBeGreaterThanOrEqual(6000);
      expect(await outboxCount(pool, accountId)).toBe(0);
      expect((await indexedRevisions(typesense, config.typesense.collection, accountId)).size).toBe(ids.length);

      const described = await handle.describe();
      expect(described.taskQueue).toBe(config.contactIndex.taskQueue);
      expect(described.memo).toMatchObject({ contactIndex: { backlog: 0, drains: 0 } });
    } finally {
      await handle.terminate('test finished');
    }
  }, 120_000);

  it('hands over to a fresh run after its rounds, carrying its totals; its history replays', async () => {
    const workflowId = `contact-indexer-can-${config.contactIndex.taskQueue}`;
    const handle = await client.workflow.start<typeof contactIndexerWorkflow>('contactIndexerWorkflow', {
      workflowId,
      taskQueue: config.contactIndex.taskQueue,
      args: [{ ...contactIndexerInput(config.contactIndex), roundsPerRun: 3 }],
    });
    try {
      const accountId = await insertAccount(pool);
      await insertContacts(pool, accountId, 20);
      const later = await eventually(async () => {
        const s = await handle.query(contactIndexerStatusQuery);
        return s.rounds >= 7 && s.indexed >= 20 ? s : undefined;
      }, 30_000, 'rounds over several runs');
      const current = await client.workflow.getHandle(workflowId).describe();
      expect(current.runId).not.toBe(handle.firstExecutionRunId);
      expect(later.indexed).toBeGreaterThanOrEqual(20);

      const first = await client.workflow.getHandle(workflowId, handle.firstExecutionRunId).fetchHistory();
      await Worker.runReplayHistory({ workflowsPath: require.resolve('../workflows') }, first, workflowId);
      // RECORD_HISTORIES=1 refreshes the recorded history that later changes to the workflow must still replay.
      if (process.env.RECORD_HISTORIES === '1' || !fs.existsSync(RECORDED)) fs.writeFileSync(RECORDED, historyToJSON(first));
      const recorded = historyFromJSON(JSON.parse(fs.readFileSync(RECORDED, 'utf8')));
      await Worker.runReplayHistory({ workflowsPath: require.resolve('../workflows') }, recorded, 'recorded');
    } finally {
      await handle.terminate('test finished');
    }
  }, 60_000);
});
