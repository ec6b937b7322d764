import { Client, Connection } from '@temporalio/client';
import { ImapFlow } from 'imapflow';
import { simpleParser, type ParsedMail } from 'mailparser';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { randomBytes, randomUUID } from 'node:crypto';
import { ChannelAccountsRepository } from '../../src/channels/accounts/channel-accounts.repository';
import { ChannelSecrets } from '../../src/channels/accounts/channel-secrets';
import { Conversations } from '../../src/channels/conversations';
import type { ChannelAccountRow } from '../../src/channels/driver';
import { loadEmailConfig, type EmailConfig } from '../../src/channels/email/email.config';
import { EmailDriver } from '../../src/channels/email/email.driver';
import { EmailInboundHandler } from '../../src/channels/email/email.handler';
import { EmailRepository } from '../../src/channels/email/email.repository';
import { ImapReceiver } from '../../src/channels/email/imap-receiver';
import { createLogger } from '../../src/common/logger';
import { loadConfig, type Config } from '../../src/config/config';
import { ContactsRepository } from '../../src/contacts/contacts.repository';
import { createPool } from '../../src/db/database';
import { MessagesRepository } from '../../src/messages/messages.repository';
import { MetricsService } from '../../src/metrics/metrics.service';
import { InboundDeliveriesService } from '../../src/webhooks/inbound-deliveries.service';
import { WebhooksRepository } from '../../src/webhooks/webhooks.repository';

/**
 * The e-mail channel against the stack's real mail servers (scripts/stack/mail.mjs): Postfix on
 * RECADO_SMTP_PORT, Dovecot on RECADO_IMAP_PORT. Any address at the first RECADO_MAIL_DOMAINS
 * domain is a mailbox (each test makes fresh ones); unknown*@ addresses bounce.
 */
export const MAIL = {
  host: process.env.RECADO_SMTP_HOST ?? '127.0.0.1',
  smtpPort: Number(process.env.RECADO_SMTP_PORT ?? 2525),
  imapHost: process.env.RECADO_IMAP_HOST ?? '127.0.0.1',
  imapPort: Number(process.env.RECADO_IMAP_PORT ?? 1143),
  password: process.env.RECADO_MAIL_PASSWORD ?? 'recado-dev-mail',
  domains: (process.env.RECADO_MAIL_DOMAINS ?? 'recado.test,customer.test').split(/[\s,]+/).filter(Boolean),
};

export function freshAddress(prefix: string, domain = MAIL.domains[0]): string {
  return `${prefix}-${randomBytes(5).toString('hex')}@${domain}`;
}

/** A customer mailbox lives at the second domain (any local part exists there too). */
export function freshCustomer(prefix = 'cliente'): string {
  return freshAddress(prefix, MAIL.domains[1] ?? MAIL.domains[0]);
}

/** An address that does not exist on the local server: mail to it bounces with a DSN. */
export function unknownAddress(): string {
  return freshAddress('unknown', MAIL.domains[1] ?? MAIL.domains[0]);
}

/** Channel account settings for a mailbox on the local servers (no TLS: loopback only). */
export function localMailboxSettings(extra: Record<string, unknown> = {}) {
  return {
    smtp: { host: MAIL.host, port: MAIL.smtpPort, security: 'none' },
    imap: { host: MAIL.imapHost, port: MAIL.imapPort, security: 'none' },
    ...extra,
  };
}

export function testEmailConfig(overrides: Record<string, string> = {}): EmailConfig {
  return loadEmailConfig({
    EMAIL_IMAP_POLL_INTERVAL: '10m',
    EMAIL_LOOKUP_WAIT: '5s',
    EMAIL_SERVER_TIMEOUT: '10s',
    EMAIL_IMAP_BACKFILL: '1h',
    EMAIL_ACCOUNTS_REFRESH: '10m',
    ...overrides,
  });
}

export function emailTestConfig(): Config {
  return loadConfig({ ...process.env, RECADO_ENV: 'test', LOG_LEVEL: process.env.LOG_LEVEL ?? 'error', TEMPORAL_NAMESPACE: 'recado-test' });
}

/** The pipeline, the handler and their repositories, wired as the API wires them, on the test database. */
export async function emailHarness(config = emailTestConfig()) {
  const pool = createPool(config.databaseUrl, 5);
  const logger = createLogger(config.logLevel, 'email-test');
  const connection = await Connection.connect({ address: config.temporal.address });
  const temporal = new Client({ connection, namespace: config.temporal.namespace });
  const deliveries = new InboundDeliveriesService(pool, logger, new WebhooksRepository(pool), new MetricsService());
  const contacts = new ContactsRepository(pool);
  const messages = new MessagesRepository(pool);
  const conversations = new Conversations(pool, temporal, contacts, messages);
  const channelAccounts = new ChannelAccountsRepository(pool);
  const email = new EmailRepository(pool);
  const handler = new EmailInboundHandler(deliveries, conversations, channelAccounts, email);
  handler.onModuleInit();
  const secrets = new ChannelSecrets(config.secrets);
  const connected: string[] = [];

  return {
    pool,
    logger,
    deliveries,
    contacts,
    messages,
    channelAccounts,
    email,
    secrets,
    async newAccount(name = 'Loja'): Promise<string> {
      return (await pool.query<{ id: string }>('INSERT INTO accounts (name) VALUES ($1) RETURNING id', [name])).rows[0].id;
    },
    /** Connects a mailbox (settings and sealed secrets as the API stores them). */
    async connectMailbox(accountId: string, address: string, opts: { settings?: Record<string, unknown>; secrets?: Record<string, string>; name?: string } = {}) {
      const id = randomUUID();
      const row = await channelAccounts.insert({
        id,
        accountId,
        channel: 'email',
        name: opts.name ?? 'Atendimento',
        address: address.toLowerCase(),
        settings: opts.settings ?? localMailboxSettings(),
        sealedSecrets: secrets.seal(id, opts.secrets ?? { password: MAIL.password }),
      });
      if (!row) throw new Error(`mailbox ${address} already connected`);
      connected.push(row.id);
      return row;
    },
    receiver(emailConfig: EmailConfig, driver: EmailDriver, deps: Partial<ConstructorParameters<typeof ImapReceiver>[0]> = {}) {
      return new ImapReceiver({
        accounts: channelAccounts,
        secrets,
        mailboxes: email,
        deliveries,
        login: (account) => driver.login(account),
        logger,
        config: { ...emailConfig.receiver, serverTimeoutMs: emailConfig.serverTimeoutMs },
        ...deps,
      });
    },
    /** An outbound e-mail as the send machinery records it: row first, then the provider's id. */
    async recordOutbound(account: ChannelAccountRow, to: string, id: string, body: Record<string, unknown>, providerMessageId?: string) {
      const contact = await contacts.findOrCreateByIdentity(account.account_id, { kind: 'email', value: to }, null);
      const { row } = await messages.insertOutbound({
        id,
        accountId: account.account_id,
        contactId: contact.id,
        channel: 'email',
        channelAccountId: account.id,
        type: 'email',
        body,
        idempotencyKey: null,
      });
      return providerMessageId ? messages.markAccepted(row.id, providerMessageId) : row;
    },
    /** Disconnects the test's mailboxes (their messages go with them): an API started later in the run does not read them. */
    async close() {
      await pool.query('DELETE FROM channel_accounts WHERE id = ANY($1)', [connected]);
      await connection.close();
      await pool.end();
    },
  };
}

export type EmailHarness = Awaited<ReturnType<typeof emailHarness>>;

/**
 * A receiver in a test reads only that test's mailboxes: the test database holds every test's,
 * and test files run side by side.
 */
export function onlyMailboxes(...rows: ChannelAccountRow[]) {
  return { listByChannel: async () => rows };
}

/** Sends as a customer through the local SMTP server (authenticated, as a mail client would). */
export async function sendAs(from: string, mail: SendMailOptions) {
  const transport = nodemailer.createTransport({ host: MAIL.host, port: MAIL.smtpPort, secure: false, ignoreTLS: true, auth: { user: from, pass: MAIL.password } });
  try {
    return await transport.sendMail({ from, ...mail });
  } finally {
    transport.close();
  }
}

/** Every mail in a mailbox's folder, parsed, read over IMAP as that mailbox's owner. */
export async function readMailbox(address: string, folder = 'INBOX'): Promise<Array<{ uid: number; parsed: ParsedMail; source: Buffer }>> {
  const client = new ImapFlow({ host: MAIL.imapHost, port: MAIL.imapPort, secure: false, doSTARTTLS: false, auth: { user: address, pass: MAIL.password }, logger: false });
  client.on('error', () => {});
  await client.connect();
  try {
    const lock = await client.getMailboxLock(folder, { readOnly: true });
    try {
      const out: Array<{ uid: number; source: Buffer }> = [];
      if ((client.mailbox as { exists: number }).exists > 0) {
        for await (const m of client.fetch('1:*', { uid: true, source: true })) out.push({ uid: m.uid, source: m.source! });
      }
      return Promise.all(out.map(async (m) => ({ ...m, parsed: await simpleParser(m.source) })));
    } finally {
      lock.release();
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
}

/** Waits (bounded) for something the mail servers do on their own time: delivery, a bounce. */
export async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The mail in a mailbox with this Message-ID, once the server has filed it. */
export function mailIn(address: string, messageId: string, folder = 'INBOX') {
  return until(`${messageId} in ${address}`, async () => (await readMailbox(address, folder)).find((m) => m.parsed.messageId === messageId));
}
