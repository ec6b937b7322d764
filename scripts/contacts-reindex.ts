/**
 * npm run contacts:reindex — rebuilds every account's contacts search collection (after a schema
 * change, or to repair the index) with no gap in search: for each account a new collection is
 * filled from Postgres while its alias (`<TYPESENSE_COLLECTION>_<account>`) keeps pointing at the
 * old one, then the alias is swapped and the old collection dropped. The worker's indexer keeps running meanwhile. Progress on stderr; the
 * last line on stdout is one JSON object.
 */
import { loadConfigOrExit } from '../src/config/config';
import { ContactStateRepository } from '../src/contacts/index/contact-state.repository';
import { createTypesenseClient } from '../src/contacts/index/contacts-collection';
import { ContactIndexOutboxRepository } from '../src/contacts/index/outbox.repository';
import { progressLine, reindexAllContacts, type ReindexProgress } from '../src/contacts/index/reindex';
import { createPool } from '../src/db/database';

async function main() {
  const config = loadConfigOrExit();
  const pool = createPool(config.databaseUrl, 4);
  const started = Date.now();
  const tty = process.stderr.isTTY;
  let lastPrinted = 0;
  const progress = (p: ReindexProgress) => {
    // On a terminal the line is rewritten in place; in a log, one line every 5 s.
    if (!tty && Date.now() - lastPrinted < 5000 && p.done < p.total) return;
    lastPrinted = Date.now();
    process.stderr.write(tty ? `\r${progressLine(p, Date.now() - started)}` : `${progressLine(p, Date.now() - started)}\n`);
  };
  try {
    const results = await reindexAllContacts({
      states: new ContactStateRepository(pool),
      outbox: new ContactIndexOutboxRepository(pool),
      typesense: createTypesenseClient(config.typesense, 60),
      alias: config.typesense.collection,
      batchSize: Math.max(config.contactIndex.batchSize, 500),
      progress,
    });
    if (tty) process.stderr.write('\n');
    const sum = (key: 'indexed' | 'rejected' | 'caughtUp' | 'markedDirty' | 'removed') => results.reduce((n, r) => n + r[key], 0);
    console.log(
      JSON.stringify({
        alias: config.typesense.collection,
        accounts: results.length,
        indexed: sum('indexed'),
        rejected: sum('rejected'),
        caughtUp: sum('caughtUp'),
        markedDirty: sum('markedDirty'),
        removed: sum('removed'),
        seconds: (Date.now() - started) / 1000,
      }),
    );
  } finally {
    await pool.end();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
