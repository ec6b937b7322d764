import { Pool } from 'pg';
import type { Client as TypesenseClient } from 'typesense';
import type { Config } from '../src/config/config';
import { toContactDocument } from '../src/contacts/index/contact-document';
import { TypesenseUnavailableError } from '../src/contacts/index/contact-indexer';
import { ContactStateRepository } from '../src/contacts/index/contact-state.repository';
import { accountAlias, createTypesenseClient } from '../src/contacts/index/contacts-collection';
import { ContactIndexOutboxRepository } from '../src/contacts/index/outbox.repository';
import { closedPort, dropTestCollections, indexedRevisions, indexerFor, insertAccount, insertContacts, outboxCount, readDocument } from './support/contact-index';
import { createTenant, eventually, startApi, testConfig, type RunningApi } from './support/stack';

/** The outbox → Typesense drain against the real Postgres and Typesense. */
describe('contact index drain', () => {
  let config: Config;
  let pool: Pool;
  let typesense: TypesenseClient;
  let alias: string;
  let api: RunningApi;

  beforeAll(async () => {
    config = testConfig({ CONTACT_INDEX_MAX_ATTEMPTS: '3', CONTACT_INDEX_RETRY_BACKOFF: '20ms' });
    alias = config.typesense.collection;
    pool = new Pool({ connectionString: config.databaseUrl, max: 8 });
    typesense = createTypesenseClient(config.typesense);
    api = await startApi(config);
    // Whatever earlier files left dirty is not this file's business.
    await indexerFor(config, pool, typesense).drain('setup', 60_000);
  });
  afterAll(async () => {
    await dropTestCollections(typesense, alias);
    await api?.close();
    await pool.end();
  });

  it('indexes every field of a contact written by SQL, and deletes the document of a deleted contact', async () => {
    const accountId = await insertAccount(pool);
    await pool.query(
      "INSERT INTO contact_attribute_definitions (account_id, key, type) VALUES ($1, 'region', 'string'), ($1, 'score', 'number'), ($1, 'since', 'date')",
      [accountId],
    );
    const [id] = await insertContacts(pool, accountId, 1, 'Maria');
    await pool.query(
      `UPDATE contacts SET status = 'lead', tags = ARRAY['vip'], opt_ins = '{"marketing": true, "utility": false}',
              quote_value = 1234.5, order_number = 'PED-77', email_reachable = true,
              attributes = '{"region": "sul", "score": 7, "since": "2024-05-01T00:00:00Z", "undeclared": 1}'
        WHERE id = $1`,
      [id],
    );
    await pool.query("INSERT INTO contact_identities (account_id, contact_id, kind, value) VALUES ($1, $2, 'email', 'maria@example.com')", [accountId, id]);
    await pool.query(
      "INSERT INTO contact_channel_activity (account_id, contact_id, channel, last_inbound_at) VALUES ($1, $2, 'whatsapp', '2025-01-02T03:04:05Z')",
      [accountId, id],
    );
    const result = await indexerFor(config, pool, typesense).drain('one', 10_000);
    expect(result).toMatchObject({ indexed: 1, failed: 0, empty: true });

    const doc = await readDocument(typesense, alias, accountId, id);
    const { rows } = await pool.query('SELECT revision FROM contacts WHERE id = $1', [id]);
    expect(doc).toMatchObject({
      id,
      account_id: accountId,
      name: 'Maria 1',
      status: 'lead',
      tags: ['vip'],
      emails: ['maria@example.com'],
      reachable: ['whatsapp', 'email'],
      opt_in: ['marketing'],
      opt_out: ['utility'],
      quote_value: 1234.5,
      order_number: 'PED-77',
      last_inbound_whatsapp: Date.parse('2025-01-02T03:04:05Z'),
      ca_region_s: 'sul',
      ca_score_n: 7,
      ca_since_d: Date.parse('2024-05-01T00:00:00Z'),
      revision: Number(rows[0].revision),
    });
    expect(doc!.phones).toHaveLength(1);
    expect(Object.keys(doc!).some((k) => k.includes('undeclared'))).toBe(false);
    expect(await outboxCount(pool, accountId)).toBe(0);

    await pool.query('DELETE FROM contacts WHERE id = $1', [id]);
    expect(await outboxCount(pool, accountId)).toBe(1);
    expect(await indexerFor(config, pool, typesense).drain('one', 10_000)).toMatchObject({ deleted: 1, indexed: 0 });
    expect(await readDocument(typesense, alias, accountId, id)).toBeUndefined();
    expect(await outboxCount(pool, accountId)).toBe(0);
  });

  it('two concurrent drains over ~2000 contacts: each contact held by one drain at a time, none missed', async () => {
    const accountId = await insertAccount(pool);
    const ids = await insertContacts(pool, accountId, 2000);
    const holder = new Map<string, string>();
    const overlaps: string[] = [];
    const claims = new Map<string, string[]>([['drain-a', []], ['drain-b', []]]);
    const observer = {
      claimed(owner: string, contactIds: string[]) {
        for (const id of contactIds) {
          if (holder.has(id)) overlaps.push(`${id} claimed by ${owner} while ${holder.get(id)} held it`);
          holder.set(id, owner);
        }
        claims.get(owner)!.push(...contactIds);
      },
      finalized(owner: string) {
        for (const [id, h] of holder) if (h === owner) holder.delete(id);
      },
    };
    const small = testConfig({ CONTACT_INDEX_BATCH_SIZE: '50' });
    // Changes keep arriving while the drains run: changed contacts are claimed again, never by two at once.
    const writer = (async () => {
      for (let i = 0; i < 20; i++) {
        await pool.query("UPDATE contacts SET status = 'touched-' || $2 WHERE id = ANY($1::uuid[])", [ids.slice(i * 50, i * 50 + 10), i]);
        await new Promise((r) => setImmediate(r));
      }
    })();
    const [a, b] = await Promise.all([
      indexerFor(small, pool, typesense, { observer }).drain('drain-a', 120_000),
      indexerFor(small, pool, typesense, { observer }).drain('drain-b', 120_000),
      writer,
    ]);
    await writer;
    // The writer may have finished after a drain found nothing ready: drain what it left.
    await indexerFor(small, pool, typesense, { observer }).drain('drain-a', 60_000);

    expect(overlaps).toEqual([]);
    expect(claims.get('drain-a')!.length).toBeGreaterThan(0);
    expect(claims.get('drain-b')!.length).toBeGreaterThan(0);
    const mine = new Set(ids);
    expect(new Set([...claims.get('drain-a')!, ...claims.get('drain-b')!].filter((id) => mine.has(id)))).toEqual(mine);
    expect(a.indexed + b.indexed).toBeGreaterThanOrEqual(2000);
    expect(await outboxCount(pool, accountId)).toBe(0);
    const indexed = await indexedRevisions(typesense, alias, accountId);
    const { rows } = await pool.query<{ id: string; revision: string }>('SELECT id, revision FROM contacts WHERE account_id = $1', [accountId]);
    expect(indexed.size).toBe(2000);
    const stale = rows.filter((r) => indexed.get(r.id) !== Number(r.revision));
    expect(stale).toEqual([]);
  });

  it('a drain killed mid-batch (claimed, never finalized): after its lease another drain indexes everything', async () => {
    const accountId = await insertAccount(pool);
    const ids = await insertContacts(pool, accountId, 30);
    const outbox = new ContactIndexOutboxRepository(pool);
    const killed = await outbox.claim('killed-drain', 5000, 2000);
    expect(killed.map((c) => c.contact_id)).toEqual(expect.arrayContaining(ids));
    // Within the lease nobody else takes them.
    expect(await indexerFor(config, pool, typesense).drain('survivor', 5_000)).toMatchObject({ indexed: 0, batches: 0 });
    await eventually(async () => ((await outbox.backlog()).readyBacklog >= 30 ? true : undefined), 10_000, 'lease expiry');
    const after = await indexerFor(config, pool, typesense).drain('survivor', 10_000);
    expect(after.indexed).toBeGreaterThanOrEqual(30);
    expect((await indexedRevisions(typesense, alias, accountId)).size).toBe(30);
    expect(await outboxCount(pool, accountId)).toBe(0);
    // The dead drain coming back late changes nothing that was done.
    const late = await outbox.finalize('killed-drain', killed.map((c) => ({ contactId: c.contact_id, accountId: c.account_id, result: 'rejected', error: 'late' })), {
      maxAttempts: 1,
      backoffMs: 1,
    });
    expect(late).toMatchObject({ parked: 0, retried: 0 });
  });

  it('Typesense unreachable: the batch is released, nothing is counted against it, then the real one indexes it all', async () => {
    const accountId = await insertAccount(pool);
    const ids = await insertContacts(pool, accountId, 25);
    const down = createTypesenseClient({ ...config.typesense, url: `http://127.0.0.1:${await closedPort()}` }, 2);
    await expect(indexerFor(config, pool, down).drain('down', 5_000)).rejects.toBeInstanceOf(TypesenseUnavailableError);
    const { rows } = await pool.query('SELECT claimed_by, attempts FROM contact_index_outbox WHERE account_id = $1', [accountId]);
    expect(rows).toHaveLength(25);
    expect(rows.every((r) => r.claimed_by === null && r.attempts === 0)).toBe(true);

    await indexerFor(config, pool, typesense).drain('up', 10_000);
    const indexed = await indexedRevisions(typesense, alias, accountId);
    expect([...indexed.keys()].sort()).toEqual([...ids].sort());
    expect(await outboxCount(pool, accountId)).toBe(0);
  });

  it('a document Typesense rejects is retried with backoff, parked after max attempts, and un-parked when fixed', async () => {
    const accountId = await insertAccount(pool);
    await pool.query("INSERT INTO contact_attribute_definitions (account_id, key, type) VALUES ($1, 'score', 'number')", [accountId]);
    const [bad, good] = await insertContacts(pool, accountId, 2);
    await pool.query(`UPDATE contacts SET attributes = '{"score": "not a number"}' WHERE id = $1`, [bad]);
    const indexer = indexerFor(config, pool, typesense);

    // One batch: a whole drain could already meet the first retry, its backoff being shorter than a slow machine's round trip.
    const first = await indexer.drainBatch('rejects');
    expect(first).toMatchObject({ claimed: 2, indexed: 1, failed: 1, parked: 0 });
    expect(await readDocument(typesense, alias, accountId, good)).toBeDefined();
    // A retry is scheduled (how soon depends on the backoff, not on how fast this test runs).
    const row = (
      await pool.query("SELECT attempts, last_error, available_at > '-infinity' AS backing_off FROM contact_index_outbox WHERE contact_id = $1", [bad])
    ).rows[0];
    expect(row).toMatchObject({ attempts: 1, backing_off: true });
    expect(row.last_error).toMatch(/score/);

    const parked = await eventually(async () => {
      await indexer.drain('rejects', 5_000);
      const { rows } = await pool.query('SELECT reason, attempts FROM contact_index_parked WHERE contact_id = $1', [bad]);
      return rows[0];
    }, 10_000, 'the rejected contact to be parked');
    expect(parked.attempts).toBe(3);
    expect(parked.reason).toMatch(/score/);
    expect(await outboxCount(pool, accountId)).toBe(0);
    expect(await readDocument(typesense, alias, accountId, bad)).toBeUndefined();
    expect(await new ContactIndexOutboxRepository(pool).parked(accountId, 10)).toEqual([
      expect.objectContaining({ contact_id: bad, attempts: 3 }),
    ]);

    await pool.query(`UPDATE contacts SET attributes = '{"score": 9}' WHERE id = $1`, [bad]);
    expect(await indexer.drain('rejects', 5_000)).toMatchObject({ indexed: 1, failed: 0 });
    expect(await readDocument(typesense, alias, accountId, bad)).toMatchObject({ ca_score_n: 9 });
    expect((await pool.query('SELECT 1 FROM contact_index_parked WHERE contact_id = $1', [bad])).rowCount).toBe(0);
  });

  it('an older state never overwrites a newer one: a change during indexing is drained again', async () => {
    const accountId = await insertAccount(pool);
    const [id] = await insertContacts(pool, accountId, 1, 'Antes');
    const real = new ContactStateRepository(pool);
    let otherDrain: Awaited<ReturnType<ReturnType<typeof indexerFor>['drainBatch']>> | undefined;
    // Between reading the state and writing it, the contact changes and another drain tries to take it.
    const racing = Object.assign(Object.create(real) as ContactStateRepository, {
      read: async (ids: string[]) => {
        const states = await real.read(ids);
        if (states.some((s) => s.id === id) && !otherDrain) {
          await pool.query("UPDATE contacts SET name = 'Depois' WHERE id = $1", [id]);
          otherDrain = await indexerFor(config, pool, typesense).drainBatch('other');
        }
        return states;
      },
    });
    const first = await indexerFor(config, pool, typesense, { states: racing }).drain('slow', 10_000);
    expect(otherDrain).toMatchObject({ claimed: 0 });
    // The slow drain wrote revision 1, saw the row move on and kept it dirty; its next batch wrote revision 2.
    expect(first.indexed).toBeGreaterThanOrEqual(2);
    const { rows } = await pool.query('SELECT revision FROM contacts WHERE id = $1', [id]);
    expect(await readDocument(typesense, alias, accountId, id)).toMatchObject({ name: 'Depois', revision: Number(rows[0].revision) });
    expect(Number(rows[0].revision)).toBe(2);

    // A drain whose lease ran out writes late: its finalize marks the contact dirty again, so the newest state wins.
    const outbox = new ContactIndexOutboxRepository(pool);
    await pool.query("UPDATE contacts SET name = 'Zumbi' WHERE id = $1", [id]);
    const zombie = await outbox.claim('zombie', 5000, 1);
    expect(zombie.map((c) => c.contact_id)).toContain(id);
    const stale = await real.read([id]);
    await pool.query("UPDATE contacts SET name = 'Final' WHERE id = $1", [id]);
    await eventually(async () => ((await outbox.backlog()).readyBacklog > 0 ? true : undefined), 5_000, 'zombie lease expiry');
    await indexerFor(config, pool, typesense).drain('live', 10_000);
    await typesense.collections(accountAlias(alias, accountId)).documents().import([toContactDocument(stale[0])], { action: 'upsert' });
    const summary = await outbox.finalize('zombie', [{ contactId: id, accountId, result: 'indexed' }], { maxAttempts: 3, backoffMs: 1 });
    expect(summary.lost).toBe(1);
    await indexerFor(config, pool, typesense).drain('live', 10_000);
    expect(await readDocument(typesense, alias, accountId, id)).toMatchObject({ name: 'Final', revision: 4 });
  });

  it("the API shows the account's backlog, lag and parked contacts, and /metrics the outbox", async () => {
    const tenant = await createTenant(api, config, 'Loja Estacionada');
    const other = await createTenant(api, config, 'Outra Loja');
    for (const accountId of [tenant.accountId, other.accountId]) {
      await pool.query("INSERT INTO contact_attribute_definitions (account_id, key, type) VALUES ($1, 'score', 'number')", [accountId]);
    }
    const [bad] = await insertContacts(pool, tenant.accountId, 3);
    const [otherBad] = await insertContacts(pool, other.accountId, 1);
    await pool.query(`UPDATE contacts SET attributes = '{"score": "muito"}' WHERE id = ANY($1::uuid[])`, [[bad, otherBad]]);

    const before = await tenant.call('GET', '/v1/contact-index');
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ backlog: 3, parked: 0 });
    expect(before.body.lag_ms).toBeGreaterThanOrEqual(0);
    expect(typeof before.body.drains_running).toBe('number');
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    expect(metrics).toMatch(/^recado_contact_index_backlog [1-9]\d*$/m);
    expect(metrics).toMatch(/^recado_contact_index_lag_seconds /m);
    expect(metrics).toMatch(/^recado_contact_index_drains_running \d+$/m);

    const indexer = indexerFor(config, pool, typesense);
    await eventually(async () => {
      await indexer.drain('api', 5_000);
      return (await outboxCount(pool)) === 0 ? true : undefined;
    }, 10_000, 'everything drained or parked');

    const after = await tenant.call('GET', '/v1/contact-index');
    expect(after.body).toEqual({ backlog: 0, lag_ms: 0, parked: 1, drains_running: 0 });
    const parked = await tenant.call('GET', '/v1/contact-index/parked?limit=10');
    expect(parked.status).toBe(200);
    expect(parked.body.items).toEqual([
      { contact_id: bad, reason: expect.stringMatching(/score/), attempts: 3, parked_at: expect.any(String) },
    ]);
    expect((await other.call('GET', '/v1/contact-index/parked')).body.items.map((i: any) => i.contact_id)).toEqual([otherBad]);
    const invalid = await tenant.call('GET', '/v1/contact-index/parked?limit=0');
    expect(invalid.status).toBe(400);
    expect(JSON.stringify(invalid.body)).toMatch(/limit/);
  });
});
