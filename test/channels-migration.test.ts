import type { Client } from 'pg';
import { databaseBefore, migrateUp } from './support/migrations';
import { testConfig } from './support/stack';

/**
 * Messages were WhatsApp rows (whatsapp_number_id); the channels migration makes every number a
 * channel account with the same id and every message a WhatsApp message on it, and starts the
 * per-number service windows from the inbound messages already stored.
 */
describe('channels migration', () => {
  let scratch: Awaited<ReturnType<typeof databaseBefore>>;
  let db: Client;

  beforeAll(async () => {
    scratch = await databaseBefore(testConfig().databaseUrl, 'channels_mig', '1732161500000');
    db = scratch.db;
  });
  afterAll(async () => {
    await scratch?.drop();
  });

  it('keeps every message, now on the WhatsApp channel account that is its number', async () => {
    const account = (await db.query<{ id: string }>("INSERT INTO accounts (name) VALUES ('Antiga') RETURNING id")).rows[0].id;
    const number = (
      await db.query<{ id: string }>(
        `INSERT INTO whatsapp_numbers (account_id, phone_number_id, waba_id, display_phone_number, access_token)
         VALUES ($1, '106540352242922', '102290129340398', '+55 11 4000-0000', 'token') RETURNING id`,
        [account],
      )
    ).rows[0].id;
    const contact = (await db.query<{ id: string }>('INSERT INTO contacts (account_id, name) VALUES ($1, $2) RETURNING id', [account, 'Maria'])).rows[0].id;
    const wroteAt = new Date('2026-12-06T10:00:00Z');
    await db.query(
      `INSERT INTO messages (account_id, contact_id, whatsapp_number_id, direction, type, body, state, provider_message_id, created_at)
       VALUES ($1, $2, $3, 'inbound', 'text', '{"text":{"body":"Oi"}}', 'received', 'wamid.IN', $4),
              ($1, $2, $3, 'outbound', 'text', '{"text":{"body":"Olá"}}', 'delivered', 'wamid.OUT', $4 + interval '1 minute')`,
      [account, contact, number, wroteAt],
    );

    migrateUp(scratch.url, 'all');

    expect((await db.query('SELECT id, account_id, channel, name, address FROM channel_accounts')).rows).toEqual([
      { id: number, account_id: account, channel: 'whatsapp', name: '+55 11 4000-0000', address: '106540352242922' },
    ]);
    const messages = await db.query('SELECT provider_message_id, channel, channel_account_id, state FROM messages ORDER BY created_at');
    expect(messages.rows).toEqual([
      { provider_message_id: 'wamid.IN', channel: 'whatsapp', channel_account_id: number, state: 'received' },
      { provider_message_id: 'wamid.OUT', channel: 'whatsapp', channel_account_id: number, state: 'delivered' },
    ]);
    expect((await db.query('SELECT contact_id, channel_account_id, last_inbound_at FROM service_windows')).rows).toEqual([
      { contact_id: contact, channel_account_id: number, last_inbound_at: wroteAt },
    ]);

    // A number connected after the migration is a channel account too; removing it removes both.
    const later = (
      await db.query<{ id: string }>(
        `INSERT INTO whatsapp_numbers (account_id, phone_number_id, waba_id, display_phone_number, access_token)
         VALUES ($1, '106540352242923', '102290129340398', '+55 11 4000-0001', 'token') RETURNING id`,
        [account],
      )
    ).rows[0].id;
    expect((await db.query('SELECT channel FROM channel_accounts WHERE id = $1', [later])).rows).toEqual([{ channel: 'whatsapp' }]);
    await db.query('DELETE FROM whatsapp_numbers WHERE id = $1', [later]);
    expect((await db.query('SELECT 1 FROM channel_accounts WHERE id = $1', [later])).rowCount).toBe(0);
  });
});
