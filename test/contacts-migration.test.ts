import type { Client } from 'pg';
import { databaseBefore, migrateUp } from './support/migrations';
import { testConfig } from './support/stack';

/**
 * Contacts were a WhatsApp wa_id; the contacts-at-scale migration moves them to identities and
 * per-channel activity. Rows written before it must come through whole.
 */
describe('contacts-at-scale migration', () => {
  let scratch: Awaited<ReturnType<typeof databaseBefore>>;
  let db: Client;

  beforeAll(async () => {
    scratch = await databaseBefore(testConfig().databaseUrl, 'contacts_mig', '1732160700000');
    db = scratch.db;
  });
  afterAll(async () => {
    await scratch?.drop();
  });

  it('moves wa_id to a WhatsApp identity and last_inbound_at to WhatsApp activity, and queues every contact for the index', async () => {
    const account = (await db.query<{ id: string }>("INSERT INTO accounts (name) VALUES ('Antiga') RETURNING id")).rows[0].id;
    const inboundAt = new Date('2026-11-30T12:00:00Z');
    const wrote = (
      await db.query<{ id: string }>(
        "INSERT INTO contacts (account_id, wa_id, name, last_inbound_at) VALUES ($1, '5511987654321', 'Maria', $2) RETURNING id",
        [account, inboundAt],
      )
    ).rows[0].id;
    const silent = (
      await db.query<{ id: string }>("INSERT INTO contacts (account_id, wa_id) VALUES ($1, '5521912345678') RETURNING id", [account])
    ).rows[0].id;

    migrateUp(scratch.url, 'all');

    const identities = await db.query('SELECT contact_id, kind, value FROM contact_identities ORDER BY value');
    expect(identities.rows).toEqual([
      { contact_id: wrote, kind: 'whatsapp', value: '5511987654321' },
      { contact_id: silent, kind: 'whatsapp', value: '5521912345678' },
    ]);
    const activity = await db.query('SELECT contact_id, channel, last_inbound_at FROM contact_channel_activity');
    expect(activity.rows).toEqual([{ contact_id: wrote, channel: 'whatsapp', last_inbound_at: inboundAt }]);
    const contacts = await db.query('SELECT id, name, whatsapp_reachable FROM contacts ORDER BY name NULLS LAST');
    expect(contacts.rows).toEqual([
      { id: wrote, name: 'Maria', whatsapp_reachable: true },
      { id: silent, name: null, whatsapp_reachable: true },
    ]);
    const outbox = await db.query('SELECT contact_id FROM contact_index_outbox ORDER BY contact_id');
    expect(outbox.rows.map((r) => r.contact_id).sort()).toEqual([wrote, silent].sort());
  });
});
