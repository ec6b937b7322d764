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
