import { Pool } from 'pg';
import type { Client as TypesenseClient } from 'typesense';
import type { Config } from '../src/config/config';
import { ContactStateRepository } from '../src/contacts/index/contact-state.repository';
import { accountAlias, aliasTarget, createTypesenseClient } from '../src/contacts/index/contacts-collection';
import { ContactIndexOutboxRepository } from '../src/contacts/index/outbox.repository';
import { progressLine, reindexContacts } from '../src/contacts/index/reindex';
import { dropTestCollections, indexedRevisions, indexerFor, insertAccount, insertContacts, outboxCount, readDocument } from './support/contact-index';
import { testConfig } from './support/stack';

/** npm run contacts:reindex: a new collection filled behind the alias, searches answering throughout. */
describe('contacts reindex', () => {
  let config: Config;
  let pool: Pool;
  let typesense: TypesenseClient;
  let alias: string;

  beforeAll(async () => {
    config = testConfig();
    alias = config.typesense.collection;
    pool = new Pool({ connectionString: config.databaseUrl, max: 6 });
    typesense = createTypesenseClient(config.typesense);
  });
  afterAll(async () => {
    await dropTestCollections(typesense, alias);
    await pool.end();
  });

  const search = async (accountId: string) =>
    (await typesense.collections(accountAlias(alias, accountId)).documents().search({ q: '*', per_page: 1 })).found;

  it('streams every contact into a new collection, catches up with changes made meanwhile, swaps the alias and drops the old one', async () => {
    const indexer = indexerFor(config, pool, typesense);
    const accountId = await insertAccount(pool, 'Loja Reindex');
    const ids = await insertContacts(pool, accountId, 1200);
    await indexer.drain('live', 60_000);
    const accountsAlias = accountAlias(alias, accountId);
    const old = await aliasTarget(typesense, accountsAlias);
    expect(old).toBeDefined();
    expect(await search(accountId)).toBe(1200);

    const answeredDuring: number[] = [];
    let pages = 0;
    let added: string[] = [];
    const result = await reindexContacts(accountId, {
      states: new ContactStateRepository(pool),
      outbox: new ContactIndexOutboxRepository(pool),
      typesense,
      alias,
      batchSize: 300,
      afterPage: async (building: string) => {
        pages++;
        expect(building).not.toBe(old);
        // Searches go to the old collection, complete, while the new one fills.
        expect(await aliasTarget(typesense, accountsAlias)).toBe(old);
        answeredDuring.push(await search(accountId));
        if (pages === 1) {
          // Changes during the reindex, drained by the live indexer into the old collection through the alias.
          await pool.query("UPDATE contacts SET name = 'Renomeada' WHERE id = ANY($1::uuid[])", [ids.slice(0, 5)]);
          await pool.query('DELETE FROM contacts WHERE id = ANY($1::uuid[])', [ids.slice(5, 8)]);
          await pool.query("INSERT INTO contact_identities (account_id, contact_id, kind, value) VALUES ($1, $2, 'email', 'nova@example.com')", [accountId, ids[1199]]);
          added = await insertContacts(pool, accountId, 2, 'Nova');
          await indexer.drain('live', 10_000);
        }
      },
    });

    expect(pages).toBeGreaterThanOrEqual(4);
    expect(answeredDuring.every((n) => n >= 1197)).toBe(true);
    expect(result.previous).toBe(old);
    expect(await aliasTarget(typesense, accountsAlias)).toBe(result.collection);
    expect(result.collection.startsWith(`${accountsAlias}_v`)).toBe(true);
    await expect(typesense.collections(old!).retrieve()).rejects.toMatchObject({ httpStatus: 404 });

    // What changed around the swap is left dirty for the live indexer, which now writes to the new collection.
    await indexer.drain('live', 10_000);
    expect(await outboxCount(pool, accountId)).toBe(0);
    const indexed = await indexedRevisions(typesense, alias, accountId);
    const { rows } = await pool.query<{ id: string; revision: string }>('SELECT id, revision FROM contacts WHERE account_id = $1', [accountId]);
    expect(rows).toHaveLength(1200 - 3 + 2);
    expect(indexed.size).toBe(rows.length);
    expect(rows.filter((r) => indexed.get(r.id) !== Number(r.revision))).toEqual([]);
    for (const gone of ids.slice(5, 8)) expect(indexed.has(gone)).toBe(false);
    for (const id of added) expect(indexed.has(id)).toBe(true);
    expect(await readDocument(typesense, alias, accountId, ids[0])).toMatchObject({ name: 'Renomeada' });
    expect(await readDocument(typesense, alias, accountId, ids[1199])).toMatchObject({ emails: ['nova@example.com'] });
  });

  it('prints progress as count/total, percentage, rate and ETA', () => {
    expect(progressLine({ phase: 'full', done: 250, total: 1000 }, 500)).toBe(
      'full       [########----------------------] 250/1000  25.0%  500/s  ETA 2s',
    );
    expect(progressLine({ phase: 'catch-up', done: 3000, total: 3000 }, 1000)).toMatch(/3000\/3000  100\.0%  3\.0k\/s  ETA 0s$/);
  });
});
