import { Client } from 'pg';
import { migrate } from '../src/db/migrate';
import { loadConfig } from '../src/config/config';

/**
 * Integration tests run against a database of their own (recado_test by default), created
 * fresh for every run on the cluster the stack started, so dev data is never touched.
 */
export default async function globalSetup() {
  const base = new URL(loadConfig().databaseUrl);
  const testDb = process.env.RECADO_TEST_DATABASE ?? 'recado_test';
  const admin = new Client({ connectionString: base.toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${testDb} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${testDb}`);
  await admin.end();
  base.pathname = `/${testDb}`;
  process.env.DATABASE_URL = base.toString();
  await migrate(process.env.DATABASE_URL);
}
