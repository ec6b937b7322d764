import { InvalidFieldError } from '../../common/errors';
import { normaliseIdentity } from '../../contacts/identities';
import type { MessageContent, RenderInput, RenderedMessage } from '../driver';
import { messageIds } from './raw-source';

/** The send row's body for an e-mail: everything the send needs but the attachment's bytes. */
export interface EmailBody {
  from: { address: string; name: string | null };
  to: string;
  subject: string;
  text: string;
  html: string;
  /** recado's Message-ID, angle brackets included: the provider message id. */
  message_id: string;
  in_reply_to: string | null;
  references: string[];
  attachment: { url: string; filename: string; content_type: string | null; size_bytes: number | null } | null;
}

/** RFC 5322 §2.1.1: a header line is at most 998 characters. */
const SUBJECT_MAX = 998;
/** A long thread's References keep the first id and the most recent ones (RFC 5322 §3.6.4 allows trimming). */
const REFERENCES_MAX = 30;
const MEDIA_DEFAULT_NAMES = { image: 'image', document: 'document', audio: 'audio', video: 'video' } as const;

/** Buttons as the content may carry them: a URL makes a link, otherwise an answer the customer types. */
type Button = { id: string; title: string; url?: string };

/** `<recado.<message id>@<mailbox domain>>`: deterministic, so a lookup after a crash finds the mail by it. */
export function recadoMessageId(messageId: string, mailboxAddress: string): string {
  const domain = mailboxAddress.slice(mailboxAddress.lastIndexOf('@') + 1).toLowerCase();
  return `<recado.${messageId}@${domain}>`;
}

/** recado's message id inside one of its Message-IDs, or null for anyone else's. */
export function messageIdFromRecado(providerMessageId: string): string | null {
  const match = /^<recado\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})@[^>]+>$/i.exec(providerMessageId);
  return match ? match[1].toLowerCase() : null;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Plain text as HTML: blank lines separate paragraphs, single line breaks stay. */
export function textToHtml(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n{2,}/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>\n')}</p>`)
    .join('\n');
}

function httpUrl(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new InvalidFieldError(field, 'must be an http or https URL');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidFieldError(field, 'must be an http or https URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidFieldError(field, 'must be an http or https URL');
  return url.toString();
}

/**
 * Text and HTML bodies from the same content. Buttons carrying a URL become links; the others a
 * numbered list the customer answers by replying (e-mail has no tappable replies). A media caption
 * is a paragraph of its own.
 */
export function renderBodies(content: MessageContent): { text: string; html: string } {
  const buttons = (content.buttons ?? []) as Button[];
  const textParts = [content.text.trim()];
  const htmlParts = [textToHtml(content.text)];
  if (content.media?.caption) {
    textParts.push(content.media.caption.trim());
    htmlParts.push(textToHtml(content.media.caption));
  }
  buttons.forEach((b, i) => {
    if (typeof b.title !== 'string' || b.title.trim() === '') throw new InvalidFieldError(`content.buttons[${i}].title`, 'is required');
  });
  const links = buttons.map((b, i) => ({ ...b, index: i })).filter((b) => b.url !== undefined && b.url !== null);
  const choices = buttons.filter((b) => b.url === undefined || b.url === null);
  const linkUrls = links.map((b) => httpUrl(b.url, `content.buttons[${b.index}].url`));
  if (choices.length) {
    textParts.push(choices.map((b, i) => `${i + 1}. ${b.title}`).join('\n'));
    htmlParts.push(`<ol>\n${choices.map((b) => `<li>${escapeHtml(b.title)}</li>`).join('\n')}\n</ol>`);
  }
  if (links.length) {
    textParts.push(links.map((b, i) => `${b.title}: ${linkUrls[i]}`).join('\n'));
    htmlParts.push(links.map((b, i) => `<p><a href="${escapeHtml(linkUrls[i])}">${escapeHtml(b.title)}</a></p>`).join('\n'));
  }
  const html = content.html ?? `<!doctype html>\n<html><head><meta charset="utf-8"></head><body>\n${htmlParts.join('\n')}\n</body></html>\n`;
  return { text: `${textParts.filter(Boolean).join('\n\n')}\n`, html };
}

function attachmentOf(content: MessageContent, maxBytes: number): EmailBody['attachment'] {
  const media = content.media;
  if (!media) return null;
  const url = httpUrl(media.url, 'content.media.url');
  if (media.size_bytes !== undefined && media.size_bytes !== null) {
    if (!Number.isInteger(media.size_bytes) || media.size_bytes < 0) throw new InvalidFieldError('content.media.size_bytes', 'must be a whole number of bytes');
    if (media.size_bytes > maxBytes) {
      throw new InvalidFieldError('content.media.size_bytes', `is ${media.size_bytes} bytes; e-mail attachments are limited to ${maxBytes} bytes`);
    }
  }
  if (media.filename !== undefined && (typeof media.filename !== 'string' || /[\r\n/\\]/.test(media.filename) || media.filename.length > 255)) {
    throw new InvalidFieldError('content.media.filename', 'must be a file name (no path, no line breaks, at most 255 characters)');
  }
  const fromUrl = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
  const filename = media.filename || fromUrl || MEDIA_DEFAULT_NAMES[media.kind] || 'attachment';
  return { url, filename, content_type: media.mime_type ?? null, size_bytes: media.size_bytes ?? null };
}

/** Strict out: the mail recado will send for this content, or InvalidFieldError naming the field. */
export function renderEmail(input: RenderInput, opts: { maxAttachmentBytes: number; fromName: string | null }): RenderedMessage {
  const { content } = input;
  const subject = content.subject;
  if (typeof subject !== 'string' || subject.trim() === '') throw new InvalidFieldError('content.subject', 'is required for e-mail');
  if (/[\r\n]/.test(subject)) throw new InvalidFieldError('content.subject', 'must be one line');
  if ([...subject].length > SUBJECT_MAX) throw new InvalidFieldError('content.subject', `has at most ${SUBJECT_MAX} characters`);
  if (typeof content.text !== 'string' || content.text.trim() === '') throw new InvalidFieldError('content.text', 'is required');
  if (content.html !== undefined && typeof content.html !== 'string') throw new InvalidFieldError('content.html', 'must be a string');
  const to = normaliseIdentity('email', input.recipient);
  if (!to.ok) throw new InvalidFieldError('recipient', to.message);
  const { text, html } = renderBodies(content);

  let inReplyTo: string | null = null;
  let references: string[] = [];
  if (input.inReplyTo) {
    inReplyTo = messageIds(input.inReplyTo.providerMessageId)[0] ?? null;
    const chain = [...messageIds(input.inReplyTo.references ?? []), ...(inReplyTo ? [inReplyTo] : [])];
    references = [...new Set(chain)];
    if (references.length > REFERENCES_MAX) references = [references[0], ...references.slice(-(REFERENCES_MAX - 1))];
  }
  const body: EmailBody = {
    from: { address: input.account.address, name: opts.fromName },
    to: to.value,
    subject: subject.trim(),
    text,
    html,
    message_id: recadoMessageId(input.messageId, input.account.address),
    in_reply_to: inReplyTo,
    references,
    attachment: attachmentOf(content, opts.maxAttachmentBytes),
  };
  return { type: 'email', body: body as unknown as Record<string, unknown> };
}
