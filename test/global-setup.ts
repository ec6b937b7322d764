import { Connection } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { migrate } from '../src/db/migrate';
import { loadConfig } from '../src/config/config';
import { TEST_NAMESPACE } from './support/stack';

/**
 * Integration tests run against a database of their own (recado_test by default), created
 * fresh for every run on the cluster the stack started, and search collections of their own
 * (test_contacts_…), so dev data is never touched; and in
 * Temporal's test namespace, under a run id that test/global-teardown.ts uses to end what this
 * run left running.
 */
export default async function globalSetup() {
  const config = loadConfig();
  const base = new URL(config.databaseUrl);
  const testDb = process.env.RECADO_TEST_DATABASE ?? 'recado_test';
  const admin = new Client({ connectionString: base.toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${testDb} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${testDb}`);
  await admin.end();
  base.pathname = `/${testDb}`;
  process.env.DATABASE_URL = base.toString();
  await migrate(process.env.DATABASE_URL);
  // Search collections of their own too (test/global-teardown.ts drops them): dev data is never touched.
  process.env.TYPESENSE_COLLECTION = process.env.RECADO_TEST_TYPESENSE_COLLECTION ?? 'test_contacts';

  process.env.RECADO_TEST_RUN_ID = randomBytes(4).toString('hex');
  const connection = await Connection.connect({ address: config.temporal.address });
  try {
    await connection.workflowService.describeNamespace({ namespace: TEST_NAMESPACE });
  } catch (err) {
    throw new Error(
      `Temporal namespace ${TEST_NAMESPACE} is missing at ${config.temporal.address}: run the tests through ` +
        `\`node scripts/stack.mjs run -- …\` (it creates the namespaces of temporal/dev-server.json) — ${(err as Error).message}`,
    );
  } finally {
    await connection.close();
  }
}
