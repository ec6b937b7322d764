import type { ChannelAccountRow } from '../src/channels/driver';
import { EmailDriver } from '../src/channels/email/email.driver';
import type { ImapReceiver } from '../src/channels/email/imap-receiver';
import { emailHarness, freshAddress, freshCustomer, onlyMailboxes, readMailbox, sendAs, testEmailConfig, until, type EmailHarness } from './support/email';

/**
 * The IMAP receiver against the stack's Dovecot: a customer's mails are sent over SMTP, land in
 * the business mailbox, and must each reach the inbound pipeline exactly once — across stops,
 * crashes between storing a mail and moving past it, and a renumbered mailbox.
 */
describe('IMAP receiver', () => {
  const driver = new EmailDriver(testEmailConfig());
  let h: EmailHarness;
  const running: ImapReceiver[] = [];

  beforeAll(async () => {
    h = await emailHarness();
  });
  afterAll(async () => {
    await Promise.all(running.map((r) => r.stop()));
    await h.close();
  });

  async function mailboxWithMail(count: number) {
    const accountId = await h.newAccount();
    const address = freshAddress('caixa');
    const row = await h.connectMailbox(accountId, address);
    const customer = freshCustomer();
    const ids: string[] = [];
    for (let i = 1; i <= count; i++) ids.push((await sendAs(customer, { to: address, subject: `Pergunta ${i}`, text: `mensagem ${i}` })).messageId);
    await until(`${count} mails in ${address}`, async () => (await readMailbox(address)).length === count);
    return { row, address, customer, ids };
  }

  function receiver(row: ChannelAccountRow, overrides: Record<string, string> = {}, deps: Parameters<EmailHarness['receiver']>[2] = {}) {
    const r = h.receiver(testEmailConfig(overrides), driver, { accounts: onlyMailboxes(row), ...deps });
    running.push(r);
    return r;
  }

  const inbound = async (row: ChannelAccountRow) =>
    (await h.pool.query<{ provider_message_id: string }>(`SELECT provider_message_id FROM messages WHERE channel_account_id = $1 AND direction = 'inbound'`, [row.id])).rows.map(
      (r) => r.provider_message_id,
    );
  const deliveriesOf = async (row: ChannelAccountRow) =>
    (await h.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM inbound_webhooks WHERE provider = 'email' AND route_hint = $1`, [row.id])).rows[0].n;

  it('stopped in the middle of a batch and restarted: every mail is stored once, none is lost', async () => {
    const { row, ids } = await mailboxWithMail(5);
    let stored = 0;
    let stopping: Promise<void> | undefined;
    const first: ImapReceiver = receiver(row, { EMAIL_IMAP_BATCH: '3' }, {
      deliveries: {
        async receive(provider, raw, hint) {
          await h.deliveries.receive(provider, raw, hint);
          stored++;
          // Shutdown arrives while the first batch of three is being read.
          if (stored === 2) stopping = first.stop();
        },
      },
    });
    await first.start();
    await until('the first receiver to be told to stop', async () => stopping !== undefined);
    await stopping;
    // The first two by UID: Postfix may deliver mails sent one after another in another order.
    const byUid = (await readMailbox(row.address)).sort((a, b) => a.uid - b.uid);
    expect((await inbound(row)).sort()).toEqual(byUid.slice(0, 2).map((m) => m.parsed.messageId).sort());
    const state = await h.email.mailbox(row.id);
    expect(Number(state!.last_uid)).toBe(byUid[1].uid);
    expect(state!.lease_owner).toBeNull();

    const second = receiver(row, { EMAIL_IMAP_BATCH: '3' });
    await second.start();
    await until('all five mails stored', async () => (await inbound(row)).length === 5);
    await second.stop();
    expect((await inbound(row)).sort()).toEqual([...ids].sort());
    // Nothing was read twice: five deliveries for five mails.
    expect(await deliveriesOf(row)).toBe(5);
  });

  it('a crash between storing a mail and moving past it reads that mail again, and the pipeline keeps it once', async () => {
    const { row, ids } = await mailboxWithMail(3);
    let crashed = false;
    const r = receiver(row, { EMAIL_IMAP_RECONNECT_MAX: '1s' }, {
      deliveries: {
        async receive(provider, raw, hint) {
          await h.deliveries.receive(provider, raw, hint);
          if (!crashed && raw.includes('Pergunta 2')) {
            crashed = true;
            throw new Error('process died after the pipeline stored the mail');
          }
        },
      },
    });
    await r.start();
    await until('all three mails stored', async () => (await inbound(row)).length === 3 && (await deliveriesOf(row)) === 4);
    await r.stop();
    expect(crashed).toBe(true);
    expect((await inbound(row)).sort()).toEqual([...ids].sort());
    // The second mail was delivered twice and recorded once.
    const events = await h.pool.query(`SELECT count(*)::int AS n FROM webhook_events WHERE provider = 'email' AND dedupe_key = $1`, [`${row.id} ${ids[1]}`]);
    expect(events.rows[0].n).toBe(1);
  });

  it('with IDLE, a mail arriving while the receiver waits is taken at once, not at the next poll', async () => {
    const { row, address, customer } = await mailboxWithMail(0);
    const r = receiver(row, { EMAIL_IMAP_POLL_INTERVAL: '10m' });
    await r.start();
    // The first pass has run once the mailbox's UIDVALIDITY is recorded.
    await until('the first pass', async () => (await h.email.mailbox(row.id))?.uid_validity);
    const { messageId } = await sendAs(customer, { to: address, subject: 'Chegou?', text: 'oi' });
    // Bounded well under the 10 minute poll: only IDLE can bring it in this soon.
    await until('the mail stored', async () => (await inbound(row)).includes(messageId), 30_000);
    await r.stop();
  });

  it('without IDLE it polls', async () => {
    const { row, address, customer } = await mailboxWithMail(0);
    const r = receiver(row, { EMAIL_IMAP_IDLE: 'off', EMAIL_IMAP_POLL_INTERVAL: '300ms' });
    await r.start();
    await until('the first pass', async () => (await h.email.mailbox(row.id))?.uid_validity);
    const { messageId } = await sendAs(customer, { to: address, subject: 'Polling', text: 'oi' });
    await until('the mail stored', async () => (await inbound(row)).includes(messageId));
    await r.stop();
  });

  it('reads a mailbox connected after it started, once it looks again', async () => {
    const { row: firstRow } = await mailboxWithMail(0);
    const { row: later, ids } = await mailboxWithMail(1);
    const rows = [firstRow];
    const r = receiver(firstRow, {}, { accounts: { listByChannel: async () => rows } });
    await r.start();
    expect(r.watching()).toEqual([firstRow.id]);
    rows.push(later);
    await r.refresh();
    expect(r.watching().sort()).toEqual([firstRow.id, later.id].sort());
    await until('the later mailbox read', async () => (await inbound(later)).includes(ids[0]));
    rows.shift();
    await r.refresh();
    expect(r.watching()).toEqual([later.id]);
    await r.stop();
  });

  it('when the server renumbers the mailbox (new UIDVALIDITY), it reads from the last stored day again without duplicates', async () => {
    const { row, address, customer, ids } = await mailboxWithMail(2);
    const r1 = receiver(row);
    await r1.start();
    await until('two mails stored', async () => (await inbound(row)).length === 2);
    await r1.stop();
    const real = (await h.email.mailbox(row.id))!.uid_validity;
    // As if the server had renumbered: the stored UIDVALIDITY no longer matches.
    await h.pool.query(`UPDATE email_mailboxes SET uid_validity = 1, last_uid = 999999 WHERE channel_account_id = $1`, [row.id]);
    const third = (await sendAs(customer, { to: address, subject: 'Pergunta 3', text: 'mensagem 3' })).messageId;
    const r2 = receiver(row);
    await r2.start();
    await until('the third mail stored', async () => (await inbound(row)).includes(third));
    await r2.stop();
    expect((await inbound(row)).sort()).toEqual([...ids, third].sort());
    expect((await h.email.mailbox(row.id))!.uid_validity).toBe(real);
  });
});
