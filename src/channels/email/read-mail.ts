import { simpleParser, type AddressObject, type Attachment, type ParsedMail } from 'mailparser';
import { derivedMessageId, firstMessageId, messageIds } from './raw-source';

/** A mail as the inbound handler needs it, read with mailparser. Liberal in: only bytes with no header at all are unreadable. */
export interface CustomerMail {
  kind: 'message';
  messageId: string;
  /** Whether the Message-ID is derived from the source's hash (the mail had none). */
  messageIdDerived: boolean;
  from: { address: string; name: string | null } | null;
  subject: string;
  text: string;
  html: string | null;
  inReplyTo: string | null;
  references: string[];
  attachments: Array<{ filename: string | null; content_type: string; size: number }>;
  date: Date | null;
  /** When the mailbox's server took it: the date of the topmost Received header (RFC 5321 §4.4). */
  receivedAt: Date | null;
  /** RFC 3834 Auto-Submitted (auto-replied, auto-generated…), when not "no". */
  autoSubmitted: string | null;
}

/** One recipient's line of a delivery status notification (RFC 3464 §2.3). */
export interface DsnRecipient {
  recipient: string | null;
  action: string | null;
  status: string | null;
  diagnostic: string | null;
  remoteMta: string | null;
}

export interface BounceMail {
  kind: 'bounce';
  messageId: string;
  /** The Message-ID of the mail that bounced, from the returned message or its headers. */
  originalMessageId: string | null;
  reportingMta: string | null;
  recipients: DsnRecipient[];
  date: Date | null;
}

export type ReadMail = CustomerMail | BounceMail;

function firstAddress(value: AddressObject | AddressObject[] | undefined): { address: string; name: string | null } | null {
  const objects = Array.isArray(value) ? value : value ? [value] : [];
  for (const o of objects) {
    for (const entry of o.value) {
      const mailbox = entry.address ? entry : entry.group?.find((g) => g.address);
      if (mailbox?.address) return { address: mailbox.address.trim().toLowerCase(), name: mailbox.name?.trim() || null };
    }
  }
  return null;
}

/** A header block of "Name: value" lines, unfolded; RFC 3464's status fields are such blocks. */
export function headerBlocks(text: string): Array<Map<string, string>> {
  const blocks: Array<Map<string, string>> = [];
  for (const chunk of text.replace(/\r\n?/g, '\n').split(/\n[ \t]*\n/)) {
    const fields = new Map<string, string>();
    let last: string | null = null;
    for (const line of chunk.split('\n')) {
      if (/^[ \t]/.test(line) && last) {
        fields.set(last, `${fields.get(last)} ${line.trim()}`);
        continue;
      }
      const m = /^([^:\s]+)\s*:\s*(.*)$/.exec(line);
      if (!m) continue;
      last = m[1].toLowerCase();
      if (!fields.has(last)) fields.set(last, m[2].trim());
    }
    if (fields.size) blocks.push(fields);
  }
  return blocks;
}

/** "rfc822; someone@example.com" → the address; "smtp; 550 5.1.1 …" → the text after the type. */
function typed(value: string | undefined): string | null {
  if (!value) return null;
  const i = value.indexOf(';');
  return (i === -1 ? value : value.slice(i + 1)).trim() || null;
}

function isDsn(parsed: ParsedMail): boolean {
  const ct = parsed.headers.get('content-type') as { value?: string; params?: Record<string, string> } | undefined;
  return ct?.value?.toLowerCase() === 'multipart/report' && ct.params?.['report-type']?.toLowerCase() === 'delivery-status';
}

async function readBounce(parsed: ParsedMail, messageId: string): Promise<BounceMail> {
  const status = parsed.attachments.find((a) => ['message/delivery-status', 'message/global-delivery-status'].includes(a.contentType.toLowerCase()));
  const blocks = status ? headerBlocks(status.content.toString('utf8')) : [];
  const [perMessage, ...perRecipient] = blocks;
  const recipients = perRecipient.map((f) => ({
    recipient: typed(f.get('final-recipient') ?? f.get('original-recipient'))?.toLowerCase() ?? null,
    action: f.get('action')?.toLowerCase() ?? null,
    status: f.get('status')?.split(/\s/)[0] ?? null,
    diagnostic: typed(f.get('diagnostic-code')),
    remoteMta: typed(f.get('remote-mta')),
  }));
  // The returned message (message/rfc822) or only its headers (text/rfc822-headers, RFC 6522 §4).
  const returned = parsed.attachments.find((a) =>
    ['message/rfc822', 'text/rfc822-headers', 'message/global', 'message/global-headers'].includes(a.contentType.toLowerCase()),
  );
  let originalMessageId: string | null = null;
  if (returned) originalMessageId = await originalId(returned);
  return {
    kind: 'bounce',
    messageId,
    originalMessageId,
    reportingMta: typed(perMessage?.get('reporting-mta')),
    recipients,
    date: parsed.date ?? null,
  };
}

async function originalId(returned: Attachment): Promise<string | null> {
  const text = returned.content.toString('utf8');
  // Headers alone have no body separator; give mailparser one so it reads them as a message's header.
  const asMessage = /\r?\n\r?\n/.test(text) ? returned.content : Buffer.concat([returned.content, Buffer.from('\r\n\r\n')]);
  const inner = await simpleParser(asMessage, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
  return firstMessageId(inner.messageId) ?? firstMessageId(/^message-id:\s*(.+)$/im.exec(text)?.[1]);
}

function receivedAt(parsed: ParsedMail): Date | null {
  const received = parsed.headers.get('received');
  const top = Array.isArray(received) ? received[0] : received;
  if (typeof top !== 'string') return null;
  const at = new Date(top.slice(top.lastIndexOf(';') + 1).replace(/\([^)]*\)/g, '').trim());
  return Number.isNaN(at.getTime()) ? null : at;
}

/** Reads a raw RFC 5322 mail: a delivery status notification, or a mail from someone. */
export async function readMail(source: Buffer): Promise<ReadMail> {
  const parsed = await simpleParser(source, {
    keepDeliveryStatus: true,
    skipImageLinks: true,
    skipTextLinks: true,
    // Huge or deeply nested HTML keeps its HTML and gets no text conversion; the mail is not lost.
    maxHtmlLengthToParse: 2_000_000,
  });
  const messageId = firstMessageId(parsed.messageId) ?? derivedMessageId(source);
  if (isDsn(parsed)) return readBounce(parsed, messageId);
  const autoSubmitted = (parsed.headers.get('auto-submitted') as string | undefined)?.trim().toLowerCase() ?? null;
  return {
    kind: 'message',
    messageId,
    messageIdDerived: !firstMessageId(parsed.messageId),
    from: firstAddress(parsed.from) ?? firstAddress(parsed.replyTo) ?? firstAddress(parsed.headers.get('sender') as AddressObject | undefined),
    subject: parsed.subject ?? '',
    text: parsed.text ?? '',
    html: typeof parsed.html === 'string' ? parsed.html : null,
    inReplyTo: messageIds(parsed.inReplyTo)[0] ?? null,
    references: messageIds(parsed.references),
    attachments: parsed.attachments.map((a) => ({ filename: a.filename ?? null, content_type: a.contentType, size: a.size })),
    date: parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date : null,
    receivedAt: receivedAt(parsed),
    autoSubmitted: autoSubmitted && autoSubmitted !== 'no' ? autoSubmitted : null,
  };
}
