import * as fs from 'node:fs';
import * as path from 'node:path';
import { runner } from 'node-pg-migrate';
import { loadConfig } from '../config/config';

/** The SQL migrations live in the source tree; compiled code runs from dist/src/db. */
export function migrationsDir(): string {
  const candidates = [path.join(__dirname, 'migrations'), path.resolve(__dirname, '../../../src/db/migrations')];
  const found = candidates.find((dir) => fs.existsSync(dir) && fs.readdirSync(dir).some((f) => f.endsWith('.sql')));
  if (!found) throw new Error(`migrations folder not found (looked in ${candidates.join(', ')})`);
  return found;
}

export async function migrate(databaseUrl: string, log: (line: string) => void = () => {}): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: migrationsDir(),
    direction: 'up',
    migrationsTable: 'pgmigrations',
    count: Infinity,
    checkOrder: true,
    log,
    logger: { debug: () => {}, info: log, warn: log, error: log },
  });
  return applied.map((m) => m.name);
}

if (require.main === module) {
  const config = loadConfig();
  migrate(config.databaseUrl)
    .then((names) => {
      console.log(names.length ? `migrations applied: ${names.join(', ')}` : 'migrations: database is up to date');
    })
    .catch((err: unknown) => {
      console.error(`migrations failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    });
}
