import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvalidFieldError } from '../src/common/errors';
import { ChannelSendError, type ChannelAccountRow, type MessageContent } from '../src/channels/driver';
import { EmailDriver } from '../src/channels/email/email.driver';
import type { EmailBody } from '../src/channels/email/email.render';
import type { ImapReceiver } from '../src/channels/email/imap-receiver';
import {
  emailHarness,
  freshAddress,
  freshCustomer,
  localMailboxSettings,
  mailIn,
  onlyMailboxes,
  MAIL,
  readMailbox,
  sendAs,
  testEmailConfig,
  unknownAddress,
  until,
  type EmailHarness,
} from './support/email';

/**
 * The e-mail driver and handler against the stack's real Postfix and Dovecot: what recado sends
 * is read back from the customer's mailbox over IMAP, and what the customer sends comes in through
 * the IMAP receiver and the inbound pipeline.
 */
describe('e-mail channel on real SMTP and IMAP servers', () => {
  const emailConfig = testEmailConfig({ EMAIL_MAX_ATTACHMENT_BYTES: '2000', EMAIL_IMAP_POLL_INTERVAL: '300ms' });
  const driver = new EmailDriver(emailConfig);
  let h: EmailHarness;
  let files: http.Server;
  let filesUrl: string;
  const receivers: ImapReceiver[] = [];

  beforeAll(async () => {
    h = await emailHarness();
    // Attachments come from URLs: one small file, one that lies about nothing and is simply too big.
    files = http.createServer((req, res) => {
      if (req.url === '/nota.txt') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('nota fiscal 123\n');
      } else if (req.url === '/big.bin') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.write(Buffer.alloc(1500));
        res.end(Buffer.alloc(1500));
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
    filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.stop()));
    await new Promise((resolve) => files.close(resolve));
    await h.close();
  });

  async function business() {
    const accountId = await h.newAccount();
    const address = freshAddress('loja');
    const row = await h.connectMailbox(accountId, address, { name: 'Loja Exemplo' });
    return { accountId, address, row, open: h.secrets.open(row) };
  }

  function render(row: ChannelAccountRow, recipient: string, content: Partial<MessageContent>, inReplyTo?: { providerMessageId: string; references?: string[] }) {
    const id = randomUUID();
    const rendered = driver.render({ account: row, recipient, messageId: id, content: { text: 'Olá', subject: 'Pedido', ...content }, inReplyTo });
    return { id, body: rendered.body };
  }

  async function startReceiver(row: ChannelAccountRow) {
    const receiver = h.receiver(emailConfig, driver, { accounts: onlyMailboxes(row) });
    receivers.push(receiver);
    await receiver.start();
    return receiver;
  }

  it('sends a mail the customer receives with its text and HTML, recado\'s Message-ID and sender name', async () => {
    const { row, open, address } = await business();
    const customer = freshCustomer();
    const message = render(row, customer, { subject: 'Seu pedido #123 saiu para entrega', text: 'Olá Maria,\n\nseu pedido <123> saiu.' });
    const { providerMessageId } = await driver.send(open, message);
    expect(providerMessageId).toBe(`<recado.${message.id}@${address.split('@')[1]}>`);

    const got = await mailIn(customer, providerMessageId);
    expect(got.parsed.subject).toBe('Seu pedido #123 saiu para entrega');
    expect(got.parsed.text).toBe('Olá Maria,\n\nseu pedido <123> saiu.\n');
    expect(got.parsed.html).toContain('<p>seu pedido &lt;123&gt; saiu.</p>');
    expect(got.parsed.from?.value[0]).toEqual({ address, name: 'Loja Exemplo' });
    expect(got.parsed.to && !Array.isArray(got.parsed.to) ? got.parsed.to.value[0].address : null).toBe(customer);
    // The mailbox's own copy travels in the envelope only: the customer never sees a Bcc.
    expect(got.parsed.headers.has('bcc')).toBe(false);
    // …and it is in the business mailbox, which is what an interrupted attempt's lookup finds.
    await mailIn(address, providerMessageId);
    expect(await driver.lookupSent(open, message)).toBe(providerMessageId);
  });

  it('a lookup does not find a mail that was never sent', async () => {
    const { row, open } = await business();
    const never = render(row, freshCustomer(), {});
    const quick = new EmailDriver(testEmailConfig({ EMAIL_LOOKUP_WAIT: '300ms' }));
    expect(await quick.lookupSent(open, never)).toBeNull();
  });

  it('threads a customer\'s reply into the contact\'s conversation, linked to the mail it answers, and answers it in thread', async () => {
    const { row, open, address, accountId } = await business();
    const customer = freshCustomer('maria');
    const first = render(row, customer, { subject: 'Seu pedido', text: 'Posso ajudar?' });
    const { providerMessageId } = await driver.send(open, first);
    const outbound = await h.recordOutbound(row, customer, first.id, first.body, providerMessageId);
    await mailIn(customer, providerMessageId);

    const reply = await sendAs(customer, {
      from: { name: 'Maria Souza', address: customer },
      to: address,
      subject: 'Re: Seu pedido',
      text: 'Sim, quero trocar o tamanho.',
      inReplyTo: providerMessageId,
      references: [providerMessageId],
    });
    await startReceiver(row);
    const stored = await until('the reply in the thread', async () =>
      (await h.pool.query(`SELECT * FROM messages WHERE channel = 'email' AND provider_message_id = $1`, [reply.messageId])).rows[0],
    );
    expect(stored).toMatchObject({ account_id: accountId, contact_id: outbound.contact_id, channel_account_id: row.id, direction: 'inbound', type: 'email' });
    expect(stored.body).toMatchObject({
      subject: 'Re: Seu pedido',
      text: 'Sim, quero trocar o tamanho.\n',
      in_reply_to: providerMessageId,
      references: [providerMessageId],
      in_reply_to_message_id: first.id,
      attachments: [],
    });
    // The display name the customer's mail carries names the contact, which had none.
    expect((await h.pool.query('SELECT name FROM contacts WHERE id = $1', [outbound.contact_id])).rows[0].name).toBe('Maria Souza');
    // recado's own copy of the first mail reached the same mailbox and is not in the thread.
    const thread = (await h.pool.query(`SELECT id, direction FROM messages WHERE contact_id = $1 ORDER BY direction`, [outbound.contact_id])).rows;
    expect(thread).toEqual([
      { id: stored.id, direction: 'inbound' },
      { id: first.id, direction: 'outbound' },
    ]);
    const ownCopy = await h.pool.query(`SELECT handled FROM webhook_events WHERE provider = 'email' AND dedupe_key = $1`, [`${row.id} ${providerMessageId}`]);
    expect(ownCopy.rows).toEqual([{ handled: false }]);

    // The agent answers in the same thread.
    const answer = render(row, customer, { subject: 'Re: Seu pedido', text: 'Claro! Qual tamanho?' }, {
      providerMessageId: reply.messageId,
      references: [providerMessageId],
    });
    const sent = await driver.send(open, answer);
    const got = await mailIn(customer, sent.providerMessageId);
    expect(got.parsed.inReplyTo).toBe(reply.messageId);
    expect(got.parsed.references).toEqual([providerMessageId, reply.messageId]);
  });

  it('a mail to an address that does not exist bounces, and the DSN marks the message failed with 5.1.1', async () => {
    const { row, open, address } = await business();
    const nobody = unknownAddress();
    const message = render(row, nobody, { subject: 'Oferta', text: 'Oi' });
    const { providerMessageId } = await driver.send(open, message);
    const outbound = await h.recordOutbound(row, nobody, message.id, message.body, providerMessageId);
    expect(outbound.state).toBe('accepted');
    await until('the DSN in the business mailbox', async () =>
      (await readMailbox(address)).find((m) => m.parsed.headers.get('content-type') && (m.parsed.headers.get('content-type') as { value: string }).value === 'multipart/report'),
    );
    await startReceiver(row);
    const failed = await until('the message failed', async () =>
      (await h.pool.query(`SELECT * FROM messages WHERE id = $1 AND state = 'failed'`, [message.id])).rows[0],
    );
    expect(failed.error).toMatchObject({ code: 'bounced', status: '5.1.1', recipient: nobody, diagnostic: expect.stringContaining('550 5.1.1') });
    // The bounce is no customer message: nobody new in the thread.
    const inbound = await h.pool.query(`SELECT count(*)::int AS n FROM messages WHERE channel_account_id = $1 AND direction = 'inbound'`, [row.id]);
    expect(inbound.rows[0].n).toBe(0);
  });

  it('attaches a file fetched from its URL and refuses one past the size limit, naming the field', async () => {
    const { row, open } = await business();
    const customer = freshCustomer();
    const ok = render(row, customer, { media: { kind: 'document', url: `${filesUrl}/nota.txt`, filename: 'nota-fiscal.txt', caption: 'Sua nota fiscal' } });
    const { providerMessageId } = await driver.send(open, ok);
    const got = await mailIn(customer, providerMessageId);
    expect(got.parsed.attachments.map((a) => [a.filename, a.content.toString()])).toEqual([['nota-fiscal.txt', 'nota fiscal 123\n']]);
    expect(got.parsed.text).toContain('Sua nota fiscal');

    const declared = () => render(row, customer, { media: { kind: 'image', url: `${filesUrl}/big.bin`, size_bytes: 3000 } });
    expect(declared).toThrow(InvalidFieldError);
    expect(declared).toThrow(/^content\.media\.size_bytes: /);
    // Size not declared: the fetch stops at the limit and the send fails for good, before any SMTP.
    const undeclared = render(row, customer, { media: { kind: 'image', url: `${filesUrl}/big.bin` } });
    await expect(driver.send(open, undeclared)).rejects.toMatchObject({ name: 'ChannelSendError', retryable: false, code: 'attachment_too_large' });
    const gone = render(row, customer, { media: { kind: 'image', url: `${filesUrl}/missing.png` } });
    await expect(driver.send(open, gone)).rejects.toMatchObject({ retryable: false, code: 'attachment_http_404' });
  });

  it('refuses bad input with errors naming the field', () => {
    const row = { id: randomUUID(), account_id: randomUUID(), channel: 'email', name: 'x', address: 'a@recado.test', settings: {}, secrets: null, created_at: new Date() } as ChannelAccountRow;
    const field = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return (err as InvalidFieldError).field;
      }
      return null;
    };
    expect(field(() => render(row, 'not-an-address', {}))).toBe('recipient');
    expect(field(() => render(row, 'maria@example.com', { subject: '' }))).toBe('content.subject');
    expect(field(() => driver.validateAccount({ smtp: { port: 587 }, imap: { host: 'imap.example.com', port: 993 } }, { password: 'x' }))).toBe('settings.smtp.host');
    expect(field(() => driver.validateAccount(localMailboxSettings(), {}))).toBe('secrets.password');
    expect(field(() => driver.validateAccount({ provider: 'yahoo' }, { password: 'x' }))).toBe('settings.provider');
    expect(field(() => driver.validateAccount(localMailboxSettings(), { password: 'x' }))).toBeNull();
  });

  it('classifies the server\'s refusals: a wrong password is permanent, a server that is not there is retried', async () => {
    const { row, open } = await business();
    const message = render(row, freshCustomer(), {});
    const wrong = { ...open, id: randomUUID(), secrets: { password: 'not-the-password' } };
    const refused = await driver.send(wrong, message).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ChannelSendError);
    expect(refused).toMatchObject({ retryable: false, code: expect.stringMatching(/^535/) });

    const nowhere = { ...open, settings: localMailboxSettings({ smtp: { host: '127.0.0.1', port: 1, security: 'none' } }) };
    await expect(driver.send(nowhere, message)).rejects.toMatchObject({ name: 'ChannelSendError', retryable: true });
    expect((message.body as unknown as EmailBody).to).toContain(`@${MAIL.domains[1] ?? MAIL.domains[0]}`);
  });
});
