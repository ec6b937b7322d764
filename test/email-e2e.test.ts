import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import type { Pool } from 'pg';
import { createPool } from '../src/db/database';
import { contactIndexerWorkflowId } from '../workflows/contact-indexer.workflow';
import { recordingRetentionWorkflowId } from '../workflows/recording-retention.workflow';
import { sendMessageWorkflowId } from '../workflows/send-message.workflow';
import { freshAddress, freshCustomer, localMailboxSettings, MAIL, readMailbox, sendAs, until } from './support/email';
import { createTenant, eventually, spawnWorker, startApi, startWorker, temporalClient, testConfig, type RunningApi } from './support/stack';

// The API's IMAP receiver, read once from the environment at start-up: quick to notice a mailbox
// connected during the test, quick to poll.
process.env.EMAIL_ACCOUNTS_REFRESH = '500ms';
process.env.EMAIL_IMAP_POLL_INTERVAL = '1s';
process.env.EMAIL_LOOKUP_WAIT = '2s';

/**
 * A withholding SMTP proxy in front of Postfix: everything passes, except the server's reply to
 * the end of DATA — Postfix has taken the mail (and delivers it), the client never hears so.
 * Exactly "the worker died between the SMTP send and saving its id".
 */
async function withholdingSmtpProxy() {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(MAIL.smtpPort, MAIL.host);
    sockets.add(client).add(upstream);
    let dataStarted = false;
    let buffered = '';
    upstream.on('data', (chunk) => {
      if (dataStarted) return; // the 250 after the message body is never passed on
      buffered += chunk.toString('latin1');
      client.write(chunk);
      if (/^354 /m.test(buffered)) dataStarted = true;
    });
    client.pipe(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('e-mail end to end through the API, a worker and the real mail servers', () => {
  // A send attempt may take 10 s before Temporal gives it to another worker.
  const config = testConfig({ MESSAGE_SEND_TIMEOUT: '10s' });
  let api: RunningApi;
  let temporal: Client;
  let pool: Pool;

  beforeAll(async () => {
    api = await startApi(config);
    temporal = await temporalClient(config);
    pool = createPool(config.databaseUrl, 2);
  });
  const connected: string[] = [];
  afterAll(async () => {
    await api.close();
    // An API started later in the run would read these mailboxes: they go, with their messages.
    await pool.query('DELETE FROM channel_accounts WHERE id = ANY($1)', [connected]);
    // The API's and workers' long-running housekeeping for this file's task queues: nothing left running.
    for (const id of [recordingRetentionWorkflowId(config.temporal.taskQueue), contactIndexerWorkflowId(config.contactIndex.taskQueue)]) {
      await temporal.workflow.getHandle(id).terminate('test finished').catch((err: unknown) => {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      });
    }
    await temporal.connection.close();
    await pool.end();
  });

  async function connectMailbox(call: Awaited<ReturnType<typeof createTenant>>['call'], address: string, settings = localMailboxSettings()) {
    const created = await call('POST', '/v1/channel-accounts', {
      channel: 'email',
      name: 'Atendimento',
      address: address.toUpperCase(),
      settings: { ...settings, from_name: 'Farmácia Teste' },
      secrets: { password: MAIL.password },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ channel: 'email', address, secret_names: ['password'] });
    connected.push(created.body.id);
    return created.body.id as string;
  }

  const threadOf = async (contactId: string) =>
    (await pool.query(`SELECT id, direction, type, body, provider_message_id FROM messages WHERE contact_id = $1 ORDER BY created_at, direction`, [contactId])).rows;

  it('connects a mailbox, threads what the customer writes, and sends the agent\'s answer once', async () => {
    const tenant = await createTenant(api, config);
    const bad = await tenant.call('POST', '/v1/channel-accounts', { channel: 'email', name: 'x', address: freshAddress('x'), settings: { smtp: { port: 2525 } }, secrets: { password: 'x' } });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body)).toContain('settings.smtp.host');
    const noPassword = await tenant.call('POST', '/v1/channel-accounts', { channel: 'email', name: 'x', address: freshAddress('x'), settings: localMailboxSettings() });
    expect(noPassword.status).toBe(422);
    expect(JSON.stringify(noPassword.body)).toContain('secrets.password');

    const address = freshAddress('farmacia');
    const channelAccountId = await connectMailbox(tenant.call, address);
    const customer = freshCustomer('joana');
    const question = await sendAs(customer, { from: { name: 'Joana Lima', address: customer }, to: address, subject: 'Vocês têm dipirona?', text: 'Queria saber se tem.' });

    const inbound = await until('the customer mail in a thread', async () =>
      (await pool.query(`SELECT * FROM messages WHERE channel = 'email' AND provider_message_id = $1`, [question.messageId])).rows[0],
    );
    expect(inbound).toMatchObject({ account_id: tenant.accountId, channel_account_id: channelAccountId, direction: 'inbound', type: 'email' });
    expect(inbound.body).toMatchObject({ subject: 'Vocês têm dipirona?', text: 'Queria saber se tem.\n' });

    const worker = await startWorker(config);
    try {
      // A reply: no channel account, no subject — it goes where the customer wrote, in their thread.
      const sent = await tenant.call('POST', '/v1/messages', { contact_id: inbound.contact_id, content: { text: 'Temos sim, Joana!' } });
      expect(sent.status).toBe(202);
      expect(sent.body).toMatchObject({ channel: 'email', channel_account_id: channelAccountId, pricing: 'channel', cost: 0 });
      const result = await temporal.workflow.getHandle(sendMessageWorkflowId(sent.body.id)).result();
      const messageId = `<recado.${sent.body.id}@${address.split('@')[1]}>`;
      expect(result).toMatchObject({ state: 'accepted', providerMessageId: messageId });
      const got = await until('the answer in the customer mailbox', async () => (await readMailbox(customer)).filter((m) => m.parsed.messageId === messageId));
      expect(got).toHaveLength(1);
      expect(got[0].parsed.text).toBe('Temos sim, Joana!\n');
      expect(got[0].parsed.from?.value[0]).toEqual({ address, name: 'Farmácia Teste' });
      expect(got[0].parsed.subject).toBe('Re: Vocês têm dipirona?');
      expect(got[0].parsed.inReplyTo).toBe(question.messageId);
      expect(got[0].parsed.references).toContain(question.messageId);
      // The thread: the customer's question, the answer; recado's own copy of the answer stays out.
      await until('the receiver to pass recado\'s own copy', async () =>
        (await pool.query(`SELECT 1 FROM webhook_events WHERE provider = 'email' AND dedupe_key = $1`, [`${channelAccountId} ${messageId}`])).rows[0],
      );
      expect((await threadOf(inbound.contact_id)).map((m) => [m.direction, m.provider_message_id])).toEqual([
        ['inbound', question.messageId],
        ['outbound', messageId],
      ]);
    } finally {
      await worker.stop();
    }
  });

  it('a worker killed after the SMTP server took the mail but before recording it: the next attempt finds it, the customer gets it once', async () => {
    const tenant = await createTenant(api, config);
    const proxy = await withholdingSmtpProxy();
    try {
      const address = freshAddress('farmacia');
      const settings = localMailboxSettings();
      const channelAccountId = await connectMailbox(tenant.call, address, { ...settings, smtp: { ...settings.smtp, port: proxy.port } });
      const customer = freshCustomer('pedro');
      const question = await sendAs(customer, { to: address, subject: 'Entrega', text: 'Chega hoje?' });
      const inbound = await until('the customer mail in a thread', async () =>
        (await pool.query(`SELECT contact_id FROM messages WHERE channel = 'email' AND provider_message_id = $1`, [question.messageId])).rows[0],
      );

      // This worker waits (up to a minute) for the reply the proxy withholds.
      const first = await spawnWorker(config, { EMAIL_SERVER_TIMEOUT: '60s' });
      let messageId: string;
      let sentId: string;
      try {
        const sent = await tenant.call('POST', '/v1/messages', {
          channel_account_id: channelAccountId,
          contact_id: inbound.contact_id,
          content: { subject: 'Re: Entrega', text: 'Chega hoje à tarde.' },
        });
        expect(sent.status).toBe(202);
        sentId = sent.body.id;
        messageId = `<recado.${sentId}@${address.split('@')[1]}>`;
        await until('Postfix to deliver the mail', async () => (await readMailbox(customer)).some((m) => m.parsed.messageId === messageId));
        const during = (await tenant.call('GET', `/v1/messages/${sentId}`)).body;
        expect(during).toMatchObject({ state: 'sending', send_attempts: 1 });
      } finally {
        first.kill('SIGKILL');
      }

      const second = await startWorker(config);
      try {
        const result = await temporal.workflow.getHandle(sendMessageWorkflowId(sentId)).result();
        expect(result).toMatchObject({ state: 'accepted', providerMessageId: messageId });
        const after = await eventually(async () => {
          const m = (await tenant.call('GET', `/v1/messages/${sentId}`)).body;
          return m.state === 'accepted' ? m : undefined;
        });
        expect(after).toMatchObject({ provider_message_id: messageId, send_attempts: 1 });
        expect((await readMailbox(customer)).filter((m) => m.parsed.messageId === messageId)).toHaveLength(1);
      } finally {
        await second.stop();
      }
    } finally {
      await proxy.close();
    }
  });
});
