import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeRawSource } from '../src/channels/email/raw-source';
import { emailHarness, freshAddress, type EmailHarness } from './support/email';

/**
 * Mails recado did not write (test/fixtures/email/README.md: mailparser's and sisimai's fixtures,
 * byte for byte) through the real inbound pipeline and e-mail handler, as the IMAP receiver
 * hands them over: each DSN marks the message it reports on failed, a customer's mail joins
 * the thread, nothing is "invalid", and a second delivery of the same mail changes nothing.
 */
describe('outside e-mail fixtures through the inbound pipeline', () => {
  let h: EmailHarness;
  const raw = (name: string) => encodeRawSource(fs.readFileSync(path.join(__dirname, 'fixtures/email', name)));

  beforeAll(async () => {
    h = await emailHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  async function mailbox() {
    const accountId = await h.newAccount();
    return h.connectMailbox(accountId, freshAddress('loja'));
  }

  /** Delivers a fixture twice (a receiver re-reading it after a crash); returns the deliveries' outcomes. */
  async function deliverTwice(row: { id: string }, file: string) {
    await h.deliveries.receive('email', raw(file), row.id);
    await h.deliveries.receive('email', raw(file), row.id);
    return (
      await h.pool.query<{ status: string; error: string | null }>(
        `SELECT status, error FROM inbound_webhooks WHERE provider = 'email' AND route_hint = $1 ORDER BY id`,
        [row.id],
      )
    ).rows;
  }

  it.each([
    ['mailparser-delivery-status.eml', '<xxxxx@email.amazonses.com>', 'xxxx@xxxx.com', '5.1.1'],
    ['sisimai-lhost-sendmail-05.eml', '<000000B2-9997-8888-8999-000000000356@example.co.jp>', 'kijitora@example.org', '5.2.3'],
  ])('%s: the DSN marks the bounced message failed', async (file, original, recipient, status) => {
    const row = await mailbox();
    const id = randomUUID();
    await h.recordOutbound(row, recipient, id, { subject: 'x' }, original);
    const outcomes = await deliverTwice(row, file);
    expect(outcomes.map((o) => o.status)).toEqual(['processed', 'processed']);
    const message = (await h.pool.query('SELECT state, error FROM messages WHERE id = $1', [id])).rows[0];
    expect(message.state).toBe('failed');
    expect(message.error).toMatchObject({ code: 'bounced', status, recipient });
  });

  it('a DSN for a mail recado never sent is kept, not invalid, and touches nothing', async () => {
    const row = await mailbox();
    const outcomes = await deliverTwice(row, 'sisimai-lhost-postfix-09.eml');
    expect(outcomes.map((o) => o.status)).toEqual(['processed', 'processed']);
    const kept = await h.pool.query(`SELECT kind, handled FROM webhook_events WHERE provider = 'email' AND dedupe_key LIKE $1`, [`${row.id} %`]);
    expect(kept.rows).toEqual([{ kind: 'bounce', handled: false }]);
  });

  it('a DSN whose returned message has no Message-ID is kept for a person to look at', async () => {
    const row = await mailbox();
    const outcomes = await deliverTwice(row, 'sisimai-lhost-exchange2007-01.eml');
    expect(outcomes.map((o) => o.status)).toEqual(['processed', 'processed']);
  });

  it('a customer mail with encoded headers and attachments joins the thread once, as its sender\'s contact', async () => {
    const row = await mailbox();
    const outcomes = await deliverTwice(row, 'mailparser-nodemailer.eml');
    expect(outcomes.map((o) => o.status)).toEqual(['processed', 'processed']);
    const messages = (
      await h.pool.query(`SELECT m.*, c.name AS contact_name FROM messages m JOIN contacts c ON c.id = m.contact_id WHERE m.channel_account_id = $1`, [row.id])
    ).rows;
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      direction: 'inbound',
      type: 'email',
      provider_message_id: '<012d606e-3550-2d94-b566-6cd996de88e3@kreata.ee>',
      contact_name: 'Andris Kreata',
      // The server's Received time, not the moment it was processed.
      created_at: new Date('2016-10-13T11:39:49Z'),
    });
    expect(messages[0].body).toMatchObject({
      subject: 'Nodemailer is unicode friendly ✔ (1476358788189)',
      text: 'Hello to myself!',
      in_reply_to_message_id: null,
    });
    expect(messages[0].body.attachments).toContainEqual({ filename: 'nyan cat ✔.gif', content_type: 'image/gif', size: 29361 });
    const identity = await h.pool.query(`SELECT value FROM contact_identities WHERE contact_id = $1 AND kind = 'email'`, [messages[0].contact_id]);
    expect(identity.rows).toEqual([{ value: 'andris@kreata.ee' }]);
  });

  it('spam with a malformed Content-Type is still read (liberal in)', async () => {
    const row = await mailbox();
    const outcomes = await deliverTwice(row, 'mailparser-spam.eml');
    expect(outcomes.map((o) => o.status)).toEqual(['processed', 'processed']);
    const message = (await h.pool.query(`SELECT body FROM messages WHERE channel_account_id = $1`, [row.id])).rows[0];
    expect(message.body.subject).toBe('123.042 Euro pro Jahr GRARANTIERT von einer Bank! KOSTENLOS');
    expect(message.body.html).toContain('<html>');
  });

  it('only bytes without any header are invalid', async () => {
    const row = await mailbox();
    await h.deliveries.receive('email', 'this is not a mail at all', row.id);
    const stored = (await h.pool.query(`SELECT status, error FROM inbound_webhooks WHERE route_hint = $1`, [row.id])).rows;
    expect(stored).toEqual([{ status: 'invalid', error: 'no header field: not an RFC 5322 mail' }]);
  });
});
