import { loadConfigOrExit } from '../config/config';
import { createPool } from '../db/database';
import { describeSealReports, sealStoredSecrets } from './seal-stored';

/**
 * `npm run secrets:rotate`: re-seals every stored credential under RECADO_SECRET_KEY_ID. Run it
 * after moving the old key to RECADO_SECRET_KEYS_PREVIOUS (and restarting api and worker on the
 * new key); once it reports, the old key can be removed.
 */
async function main() {
  const config = loadConfigOrExit();
  const pool = createPool(config.databaseUrl, 2);
  try {
    const reports = await sealStoredSecrets(pool, config.secrets, 'rotate');
    console.log(`secrets under key "${config.secrets.current.id}": ${describeSealReports(reports)}`);
  } finally {
    await pool.end();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`secrets:rotate failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
