import type { Client } from 'pg';
import { execFileSync } from 'node:child_process';
import { MIGRATIONS, databaseBefore, migrateUp } from './support/migrations';
import { testConfig } from './support/stack';

/** node-pg-migrate's runner down one migration, as migrateUp runs it up (jest cannot load its ES module build). */
function migrateDownOne(databaseUrl: string) {
  const script = `require('node-pg-migrate').runner({ databaseUrl: process.env.URL, dir: process.env.DIR, direction: 'down',
    migrationsTable: 'pgmigrations', count: 1, log: () => {} })
    .catch((err) => { console.error(err); process.exit(1); })`;
  execFileSync(process.execPath, ['-e', script], { env: { ...process.env, URL: databaseUrl, DIR: MIGRATIONS }, stdio: 'pipe' });
}

/**
 * The conversation-arrival migration gives every conversation an arrival, the inbox's tie-break:
 * rows from before keep the order the inbox showed them in, new messages take fresh ones.
 */
describe('conversation-arrival migration', () => {
  let scratch: Awaited<ReturnType<typeof databaseBefore>>;
  let db: Client;

  beforeAll(async () => {
    scratch = await databaseBefore(testConfig().databaseUrl, 'conversation_arrival_mig', '1732162600000');
    db = scratch.db;
  });
  afterAll(async () => {
    await scratch?.drop();
  });

  async function message(q: { account: string; number: string; contact: string; at: Date }): Promise<string> {
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO messages (account_id, contact_id, channel_account_id, channel, direction, type, body, state, created_at)
       VALUES ($1, $2, $3, 'whatsapp', 'inbound', 'text', '{"text":{"body":"Oi"}}', 'received', $4) RETURNING id`,
      [q.account, q.contact, q.number, q.at],
    );
    return rows[0].id;
  }

  const arrivals = async () =>
    (await db.query<{ contact_id: string; arrival: string }>('SELECT contact_id, arrival FROM conversations')).rows.reduce<Record<string, bigint>>(
      (all, r) => ({ ...all, [r.contact_id]: BigInt(r.arrival) }),
      {},
    );

  it('backfills arrivals in the earlier order, renews them with the newest message only, and goes down and up again', async () => {
    const account = (await db.query<{ id: string }>("INSERT INTO accounts (name) VALUES ('Loja') RETURNING id")).rows[0].id;
    const number = (
      await db.query<{ id: string }>(
        "INSERT INTO channel_accounts (account_id, channel, name, address) VALUES ($1, 'whatsapp', 'Loja', $2) RETURNING id",
        [account, `1065${Date.now()}`],
      )
    ).rows[0].id;
    const contacts: string[] = [];
    for (let i = 0; i < 4; i++) {
      contacts.push((await db.query<{ id: string }>('INSERT INTO contacts (account_id) VALUES ($1) RETURNING id', [account])).rows[0].id);
    }
    // Three in the same second (their earlier order: by contact id), one a minute before.
    const second = new Date('2026-12-06T10:00:00Z');
    const [earlier, ...tied] = contacts;
    await message({ account, number, contact: earlier, at: new Date(second.getTime() - 60_000) });
    for (const contact of [...tied].reverse()) await message({ account, number, contact, at: second });

    migrateUp(scratch.url, 1);

    const backfilled = await arrivals();
    const byOldOrder = [earlier, ...[...tied].sort()];
    expect(byOldOrder.map((c) => backfilled[c])).toEqual([1n, 2n, 3n, 4n]);
    const column = await db.query("SELECT is_nullable FROM information_schema.columns WHERE table_name = 'conversations' AND column_name = 'arrival'");
    expect(column.rows).toEqual([{ is_nullable: 'NO' }]);

    // A new newest message takes an arrival after every backfilled one; a late delivery of an older one does not.
    const newest = await message({ account, number, contact: earlier, at: second });
    const renewed = await arrivals();
    expect(renewed[earlier] > Object.values(backfilled).reduce((a, b) => (a > b ? a : b))).toBe(true);
    await message({ account, number, contact: tied[0], at: new Date(second.getTime() - 3_600_000) });
    expect(await arrivals()).toEqual(renewed);
    const row = await db.query('SELECT last_message_id, last_message_at FROM conversations WHERE contact_id = $1', [earlier]);
    expect(row.rows).toEqual([{ last_message_id: newest, last_message_at: second }]);
    // A row written without the trigger (the console bench's bulk load) gets one from the sequence.
    await db.query('ALTER TABLE messages DISABLE TRIGGER messages_conversation');
    const loaded = contacts[3];
    const loadedMessage = await message({ account, number, contact: loaded, at: second });
    await db.query('DELETE FROM conversations WHERE contact_id = $1', [loaded]);
    await db.query(
      `INSERT INTO conversations (account_id, contact_id, last_message_id, last_message_at, channels) VALUES ($1, $2, $3, $4, '{whatsapp}')`,
      [account, loaded, loadedMessage, second],
    );
    await db.query('ALTER TABLE messages ENABLE TRIGGER messages_conversation');
    expect((await arrivals())[loaded] > renewed[earlier]).toBe(true);

    migrateDownOne(scratch.url);
    const indexes = await db.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE tablename = 'conversations' ORDER BY indexname");
    expect(indexes.rows.map((r) => r.indexname)).toEqual(['conversations_pkey', 'conversations_recent_idx']);
    expect((await db.query("SELECT 1 FROM pg_class WHERE relname = 'conversations_arrival_seq'")).rowCount).toBe(0);
    const afterDown = await message({ account, number, contact: tied[1], at: new Date(second.getTime() + 1000) });
    expect((await db.query('SELECT last_message_id FROM conversations WHERE contact_id = $1', [tied[1]])).rows).toEqual([{ last_message_id: afterDown }]);

    migrateUp(scratch.url, 1);
    const again = await arrivals();
    expect(again[tied[1]]).toBe(4n);
    expect(new Set(Object.values(again)).size).toBe(4);
  });
});
