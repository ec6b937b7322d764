import * as fs from 'node:fs';
import * as path from 'node:path';
import { runner } from 'node-pg-migrate';
import { loadConfig } from '../config/config';
import type { SecretKeys } from '../secrets/secrets';
import { describeSealReports, sealStoredSecrets, type SealedColumnReport } from '../secrets/seal-stored';
import { createPool } from './database';

/** The SQL migrations live in the source tree; compiled code runs from dist/src/db. */
export function migrationsDir(): string {
  const candidates = [path.join(__dirname, 'migrations'), path.resolve(__dirname, '../../../src/db/migrations')];
  const found = candidates.find((dir) => fs.existsSync(dir) && fs.readdirSync(dir).some((f) => f.endsWith('.sql')));
  if (!found) throw new Error(`migrations folder not found (looked in ${candidates.join(', ')})`);
  return found;
}

export interface MigrateResult {
  /** SQL migrations applied by this run. */
  migrations: string[];
  /** Plain-text credentials this run sealed (zero once the database is up to date). */
  secrets: SealedColumnReport[];
}

/**
 * The SQL migrations, then the credentials SQL cannot encrypt: values in SEALED_COLUMNS that are
 * still plain text (from before encryption at rest) are sealed under the current key. Both steps
 * are idempotent, so every deploy runs both.
 */
export async function migrate(
  databaseUrl: string,
  log: (line: string) => void = () => {},
  secretKeys: SecretKeys = loadConfig().secrets,
): Promise<MigrateResult> {
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
  const pool = createPool(databaseUrl, 1);
  try {
    const secrets = await sealStoredSecrets(pool, secretKeys, 'plain-text');
    return { migrations: applied.map((m) => m.name), secrets };
  } finally {
    await pool.end();
  }
}

if (require.main === module) {
  const config = loadConfig();
  migrate(config.databaseUrl, undefined, config.secrets)
    .then(({ migrations, secrets }) => {
      console.log(migrations.length ? `migrations applied: ${migrations.join(', ')}` : 'migrations: database is up to date');
      if (secrets.some((s) => s.sealed > 0)) console.log(`plain-text secrets sealed: ${describeSealReports(secrets)}`);
    })
    .catch((err: unknown) => {
      console.error(`migrations failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    });
}
