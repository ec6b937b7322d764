import { Client } from 'pg';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

export const MIGRATIONS = path.resolve(__dirname, '../../src/db/migrations');

/** node-pg-migrate's runner, in a plain Node process (jest cannot load its ES module build). */
export function migrateUp(databaseUrl: string, count: number | 'all') {
  const script = `require('node-pg-migrate').runner({ databaseUrl: process.env.URL, dir: process.env.DIR, direction: 'up',
    migrationsTable: 'pgmigrations', count: ${count === 'all' ? 'Infinity' : count}, log: () => {} })
    .catch((err) => { console.error(err); process.exit(1); })`;
  execFileSync(process.execPath, ['-e', script], { env: { ...process.env, URL: databaseUrl, DIR: MIGRATIONS }, stdio: 'pipe' });
}

/** How many migrations come before the one named by its timestamp prefix. */
export function migrationsBefore(timestamp: string): number {
  return readdirSync(MIGRATIONS).filter((f) => f.endsWith('.sql') && f < timestamp).length;
}

/**
 * A database of its own for one migration test, migrated up to just before the migration named by
 * its timestamp prefix (`url` to migrate it further, `db` connected to it), dropped by `drop()`.
 */
export async function databaseBefore(databaseUrl: string, name: string, timestamp: string) {
  const scratch = `${new URL(databaseUrl).pathname.slice(1)}_${name}`;
  const url = new URL(databaseUrl);
  url.pathname = `/${scratch}`;
  const admin = new Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${scratch}`);
  migrateUp(url.toString(), migrationsBefore(timestamp));
  const db = new Client({ connectionString: url.toString() });
  await db.connect();
  return {
    url: url.toString(),
    db,
    async drop() {
      await db.end();
      await admin.query(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`);
      await admin.end();
    },
  };
}
