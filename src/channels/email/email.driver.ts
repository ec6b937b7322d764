import { InvalidFieldError } from '../../common/errors';
import { ChannelSendError, type ChannelDriver, type MessageContent, type OpenChannelAccount, type RenderInput, type RenderedMessage } from '../driver';
import type { EmailConfig } from './email.config';
import { renderEmail, type EmailBody } from './email.render';
import { imapClient, smtpTransport } from './mail-clients';
import { readMailboxAuth, readMailboxSettings } from './mailbox-settings';
import { MailboxTokens, OAuthRefreshError, type Login } from './oauth-tokens';

type DriverConfig = Pick<EmailConfig, 'maxAttachmentBytes' | 'attachmentFetchTimeoutMs' | 'serverTimeoutMs' | 'lookupWaitMs'>;

/** nodemailer's error fields (SMTPConnection errors carry the server's reply code). */
interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
}

/** Connection-level failures: the server was not reached or went away; another attempt may get through. */
const TRANSIENT_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'ECONNRESET', 'EPROTOCOL', 'ESTREAM']);

/**
 * SMTP replies are classified by their first digit (RFC 5321 §4.2.1): 4xx transient, 5xx
 * permanent. Without a reply, connection trouble is transient; a TLS or login failure without one
 * (a certificate, a mechanism the server lacks) is a setting to fix, not something to retry.
 */
export function classifySmtpError(err: unknown): ChannelSendError {
  if (err instanceof ChannelSendError) return err;
  if (err instanceof OAuthRefreshError) return new ChannelSendError(err.message, !err.permanent, 'oauth_refresh');
  const e = err as SmtpError;
  const message = (e.response ?? e.message ?? String(err)).trim();
  const enhanced = /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(e.response ?? '')?.[1];
  if (typeof e.responseCode === 'number') {
    const code = enhanced ? `${e.responseCode} ${enhanced}` : String(e.responseCode);
    return new ChannelSendError(`SMTP ${e.command ? `${e.command}: ` : ''}${message}`, e.responseCode < 500, code);
  }
  if (e.code && TRANSIENT_CODES.has(e.code)) return new ChannelSendError(`SMTP ${e.code}: ${message}`, true, e.code);
  if (e.code === 'ETLS' || e.code === 'EAUTH') return new ChannelSendError(`SMTP ${e.code}: ${message}`, false, e.code);
  return new ChannelSendError(`SMTP: ${message}`, true, e.code ?? null);
}

/** The attachment's bytes, from its URL, refused past the size limit (checked again while reading). */
export async function fetchAttachment(a: NonNullable<EmailBody['attachment']>, maxBytes: number, timeoutMs: number) {
  let res: Response;
  try {
    res = await fetch(a.url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  } catch (err) {
    throw new ChannelSendError(`attachment ${a.url} could not be fetched: ${(err as Error).message}`, true, 'attachment_fetch');
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    // The URL is gone or forbidden (4xx, but 408/429): the message cannot go as asked.
    const retryable = res.status >= 500 || res.status === 408 || res.status === 429;
    throw new ChannelSendError(`attachment ${a.url} answered HTTP ${res.status}`, retryable, `attachment_http_${res.status}`);
  }
  const tooLarge = (size: number) =>
    new ChannelSendError(`content.media: the attachment is ${size} bytes or more; e-mail attachments are limited to ${maxBytes} bytes`, false, 'attachment_too_large');
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => {});
    throw tooLarge(declared);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  if (res.body) {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.length;
      if (size > maxBytes) throw tooLarge(size);
      chunks.push(Buffer.from(chunk));
    }
  }
  const contentType = a.content_type ?? res.headers.get('content-type')?.split(';')[0].trim() ?? 'application/octet-stream';
  return { filename: a.filename, content: Buffer.concat(chunks), contentType };
}

/**
 * E-mail through the mailbox's own SMTP server (nodemailer), per-mailbox credentials: a password,
 * or XOAUTH2 for Google and Microsoft 365. Text and HTML come from the same content; threading by
 * Message-ID / In-Reply-To / References; no templates, tappable buttons or receipts.
 *
 * Every mail is also addressed (Bcc, envelope only) to the mailbox itself. That copy is what
 * lookupSent finds after an attempt died mid-send: the server accepts the copy and the
 * customer's mail in one SMTP transaction, so "the copy exists" means "the server took the
 * mail". Appending to Sent over IMAP would be a second call after the send — an attempt killed
 * between the two would leave no trace and the mail would go twice. (Edge: a customer address the
 * server refuses at RCPT while the copy is accepted fails the send; only an attempt dying in the
 * instant between that reply and recording it would later read the copy as sent.)
 */
export class EmailDriver implements ChannelDriver {
  readonly channel = 'email' as const;
  readonly capabilities = { text: true, template: false, buttons: false, media: true, readReceipts: false, deliveryReceipts: false };
  readonly identityKind = 'email' as const;
  readonly unknownOutcome = 'lookup' as const;

  constructor(
    private readonly config: DriverConfig,
    private readonly tokens: MailboxTokens = new MailboxTokens(config.serverTimeoutMs),
  ) {}

  /** An agent's reply joins the customer's e-mail thread: its headers, and "Re:" their subject unless one is given. */
  threadReply(lastInbound: { providerMessageId: string; body: Record<string, unknown> }, content: MessageContent) {
    const references = Array.isArray(lastInbound.body.references) ? lastInbound.body.references.filter((r): r is string => typeof r === 'string') : [];
    const theirs = typeof lastInbound.body.subject === 'string' ? lastInbound.body.subject.trim() : '';
    const subject = content.subject ?? (theirs ? (/^re:/i.test(theirs) ? theirs : `Re: ${theirs}`) : undefined);
    return { content: { ...content, ...(subject ? { subject } : {}) }, inReplyTo: { providerMessageId: lastInbound.providerMessageId, references } };
  }

  render(input: RenderInput): RenderedMessage {
    const fromName = typeof input.account.settings.from_name === 'string' ? input.account.settings.from_name : null;
    return renderEmail(input, { maxAttachmentBytes: this.config.maxAttachmentBytes, fromName: fromName?.trim() || input.account.name || null });
  }

  validateAccount(settings: Record<string, unknown>, secrets: Record<string, string>): void {
    const read = readMailboxSettings(settings);
    readMailboxAuth(secrets, read, 'mailbox@example.invalid');
  }

  /** The login for a mailbox, an XOAUTH2 access token refreshed when it has a refresh token. */
  async login(account: OpenChannelAccount): Promise<Login> {
    const settings = readMailboxSettings(account.settings);
    return this.tokens.login(account.id, readMailboxAuth(account.secrets, settings, account.address));
  }

  async send(account: OpenChannelAccount, message: { id: string; body: Record<string, unknown> }) {
    const body = message.body as unknown as EmailBody;
    let settings;
    let login;
    try {
      settings = readMailboxSettings(account.settings);
      login = await this.login(account);
    } catch (err) {
      if (err instanceof InvalidFieldError) throw new ChannelSendError(`the mailbox's ${err.message}`, false, 'mailbox_settings');
      throw classifySmtpError(err);
    }
    const attachments = body.attachment
      ? [await fetchAttachment(body.attachment, this.config.maxAttachmentBytes, this.config.attachmentFetchTimeoutMs)]
      : [];
    const transport = smtpTransport(settings.smtp, login, this.config.serverTimeoutMs);
    try {
      const info = await transport.sendMail({
        from: body.from.name ? { name: body.from.name, address: body.from.address } : body.from.address,
        to: body.to,
        bcc: account.address,
        subject: body.subject,
        text: body.text,
        html: body.html,
        messageId: body.message_id,
        inReplyTo: body.in_reply_to ?? undefined,
        references: body.references.length ? body.references : undefined,
        attachments,
      });
      // The copy to the mailbox may be accepted while the customer's address is refused at RCPT TO.
      const refused = ((info.rejected ?? []) as Array<string | { address: string }>).map((r) => (typeof r === 'string' ? r : r.address).toLowerCase());
      if (refused.includes(body.to.toLowerCase())) {
        const detail = (info as { rejectedErrors?: SmtpError[] }).rejectedErrors?.[0];
        throw classifySmtpError(detail ?? Object.assign(new Error(`recipient ${body.to} refused`), { responseCode: 550 }));
      }
      return { providerMessageId: body.message_id };
    } catch (err) {
      if (err instanceof Error && (err as SmtpError).code === 'EAUTH') this.tokens.forget(account.id);
      throw classifySmtpError(err);
    } finally {
      transport.close();
    }
  }

  /**
   * Whether the mail reached the SMTP server before the attempt died: recado's copy (Bcc) in
   * the mailbox, by its Message-ID. Servers file it a moment after accepting, so the lookup
   * keeps looking for EMAIL_LOOKUP_WAIT; Gmail and Microsoft 365 also keep a copy in Sent.
   */
  async lookupSent(account: OpenChannelAccount, message: { id: string; body: Record<string, unknown> }): Promise<string | null> {
    const messageId = (message.body as unknown as EmailBody).message_id;
    const settings = readMailboxSettings(account.settings);
    const client = imapClient(settings.imap, await this.login(account), { timeoutMs: this.config.serverTimeoutMs, idle: false });
    client.on('error', () => {});
    await client.connect();
    try {
      const sent = (await client.list()).find((m) => m.specialUse === '\\Sent');
      const folders = ['INBOX', ...(sent ? [sent.path] : [])];
      const deadline = Date.now() + this.config.lookupWaitMs;
      for (;;) {
        for (const folder of folders) {
          const lock = await client.getMailboxLock(folder, { readOnly: true });
          try {
            const found = await client.search({ header: { 'message-id': messageId } }, { uid: true });
            if (found && found.length > 0) return messageId;
          } finally {
            lock.release();
          }
        }
        if (Date.now() >= deadline) return null;
        await new Promise((resolve) => setTimeout(resolve, Math.min(500, Math.max(0, deadline - Date.now()))));
      }
    } finally {
      await client.logout().catch(() => client.close());
    }
  }
}


/** The e-mail driver, for createChannelDrivers (src/channels/drivers.ts): render, validate, send, lookup. */
export function createEmailDriver(config: EmailConfig): EmailDriver {
  return new EmailDriver(config);
}
