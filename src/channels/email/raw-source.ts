import { createHash } from 'node:crypto';

/**
 * A mail's raw source as the inbound pipeline stores it (a text column). Nearly every mail is
 * 7-bit ASCII or UTF-8 and is stored as it is, readable by whoever looks at the delivery; the
 * rest (8-bit legacy charsets, stray NUL bytes Postgres text cannot hold) as a base64 data URL,
 * so the bytes the handler parses are always exactly the bytes the server gave.
 */
const DATA_URL = 'data:message/rfc822;base64,';
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function encodeRawSource(source: Buffer): string {
  if (!source.includes(0)) {
    try {
      return utf8.decode(source);
    } catch {
      /* not UTF-8: fall through */
    }
  }
  return DATA_URL + source.toString('base64');
}

/** A mail cannot start with a data URL and have no line break: RFC 5322 needs a header, then CRLF. */
export function decodeRawSource(stored: string): Buffer {
  if (stored.startsWith(DATA_URL) && !/[\r\n]/.test(stored)) return Buffer.from(stored.slice(DATA_URL.length), 'base64');
  return Buffer.from(stored, 'utf8');
}

/** A header as the top of the mail has it: unfolded, the first occurrence, undefined when absent. */
export interface TopHeaders {
  get(name: string): string | undefined;
  /** Header lines read (0: nothing that looks like a header). */
  count: number;
}

const FIELD = /^([!-9;-~]+)[ \t]*:(.*)$/;

/**
 * The top-level header block, read without a full MIME parse: what the pipeline's synchronous
 * parse step needs (Message-ID for de-duplication, Content-Type to tell a DSN from a mail).
 * mailparser reads the whole message later, in the handler's apply step.
 */
export function readTopHeaders(source: Buffer): TopHeaders {
  const head = source.subarray(0, Math.min(source.length, 256 * 1024)).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  const lines = (end === -1 ? head : head.slice(0, end)).split(/\r?\n/);
  const fields = new Map<string, string>();
  let count = 0;
  let current: string | null = null;
  for (const line of lines) {
    if (/^[ \t]/.test(line) && current) {
      fields.set(current, `${fields.get(current)} ${line.trim()}`);
      continue;
    }
    const match = FIELD.exec(line);
    if (!match) {
      current = null;
      continue;
    }
    count++;
    const name = match[1].toLowerCase();
    if (fields.has(name)) {
      current = null;
      continue;
    }
    current = name;
    fields.set(name, match[2].trim());
  }
  return { get: (name) => fields.get(name.toLowerCase()), count };
}

/** `<id>` from a Message-ID-like header value, angle brackets included; null when none. */
export function firstMessageId(value: string | undefined): string | null {
  if (!value) return null;
  const match = /<([^<>\s]+)>/.exec(value);
  if (match) return `<${match[1]}>`;
  // Liberal in: some senders omit the brackets.
  const bare = value.trim().split(/\s+/)[0];
  return bare && bare.includes('@') ? `<${bare}>` : null;
}

/** Every `<id>` in a References / In-Reply-To value, in order, without repeats. */
export function messageIds(value: string | string[] | undefined | null): string[] {
  if (!value) return [];
  const text = Array.isArray(value) ? value.join(' ') : value;
  const ids = [...text.matchAll(/<([^<>\s]+)>/g)].map((m) => `<${m[1]}>`);
  if (ids.length === 0) {
    for (const bare of text.split(/[\s,]+/)) if (bare.includes('@')) ids.push(`<${bare}>`);
  }
  return [...new Set(ids)];
}

/** For a mail without a Message-ID: a key that is the same every time the same bytes arrive. */
export function derivedMessageId(source: Buffer): string {
  return `<sha256.${createHash('sha256').update(source).digest('hex').slice(0, 40)}@recado.invalid>`;
}
