import { parse } from 'lossless-json';
import { InvalidStorePayloadError } from '../canonical-event';

/**
 * Reads a store platform's body the way it is sent: JSON parsed losslessly (a number is kept as
 * the exact text the platform wrote, so an id above 2^53 or a price like 150.90 never passes
 * through a float), then read field by field. Every normalisation — a number where text was
 * expected, a case variant, a value that could not be read — is reported with the field's path,
 * in the house style of src/whatsapp/webhook-reader.ts.
 */

/** A JSON number as the platform wrote it. */
export class JsonNumber {
  constructor(readonly text: string) {}
}

export type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof JsonNumber);

export type Warn = (message: string) => void;

/** The body as a JSON object; anything else is unreadable. */
export function parseBody(rawBody: string): Obj {
  let value: unknown;
  try {
    value = parse(rawBody, null, (text) => new JsonNumber(text));
  } catch (e) {
    throw new InvalidStorePayloadError(`body is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isObj(value)) throw new InvalidStorePayloadError('body is not a JSON object');
  return value;
}

export function fieldPath(segments: string[]): string {
  if (segments.length === 0) return '(root)';
  return segments.map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

export class Reader {
  constructor(
    readonly raw: Obj,
    readonly path: string[],
    readonly warn: Warn,
  ) {}

  static root(raw: Obj, warn: Warn): Reader {
    return new Reader(raw, [], warn);
  }

  at(key: string): string {
    return fieldPath([...this.path, key]);
  }

  note(key: string, message: string): void {
    this.warn(`${this.at(key)}: ${message}`);
  }

  has(key: string): boolean {
    const v = this.raw[key];
    return v !== undefined && v !== null;
  }

  /**
   * Text; a number is taken as the exact digits the platform sent. `numberExpected` is for fields
   * the platform documents as numbers (Shopify's ids), so reading them as text is no news.
   */
  str(key: string, { numberExpected = false } = {}): string | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    if (v instanceof JsonNumber) {
      if (!numberExpected) this.note(key, 'number read as text');
      return v.text;
    }
    if (typeof v === 'boolean') {
      this.note(key, 'boolean read as text');
      return String(v);
    }
    this.note(key, `${Array.isArray(v) ? 'array' : typeof v} ignored where text was expected`);
    return undefined;
  }

  /** Non-empty trimmed text, or undefined. */
  text(key: string, opts: { numberExpected?: boolean } = {}): string | undefined {
    const v = this.str(key, opts)?.trim();
    return v ? v : undefined;
  }

  /** An id: text or a number, kept exactly as sent (never through a float). */
  id(key: string): string | undefined {
    return this.text(key, { numberExpected: true });
  }

  /** A decimal amount as exact text ("199.90", 150.9 → "150.9"); numeric strings are accepted. */
  decimal(key: string, { stringExpected = false } = {}): string | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    if (v instanceof JsonNumber) {
      if (stringExpected) this.note(key, 'number read as a decimal text');
      return v.text;
    }
    if (typeof v === 'string' && v.trim() !== '') {
      if (!stringExpected) this.note(key, 'numeric text read as a number');
      return v.trim();
    }
    this.note(key, `${JSON.stringify(v)} ignored where an amount was expected`);
    return undefined;
  }

  bool(key: string): boolean | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'boolean') return v;
    if (typeof v === 'string' && /^(true|false)$/i.test(v.trim())) {
      this.note(key, 'text read as a boolean');
      return v.trim().toLowerCase() === 'true';
    }
    this.note(key, 'ignored where a boolean was expected');
    return undefined;
  }

  obj(key: string): Reader | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    if (!isObj(v)) {
      this.note(key, 'ignored: not an object');
      return undefined;
    }
    return new Reader(v, [...this.path, key], this.warn);
  }

  /** The objects of an array field; other items are reported and skipped. */
  list(key: string): Reader[] {
    const v = this.raw[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) {
      this.note(key, 'ignored: not an array');
      return [];
    }
    const out: Reader[] = [];
    v.forEach((item, i) => {
      if (isObj(item)) out.push(new Reader(item, [...this.path, key, String(i)], this.warn));
      else this.warn(`${fieldPath([...this.path, key, String(i)])}: ignored: not an object`);
    });
    return out;
  }

  /** Text items of an array field (Shopify's payment_gateway_names, tracking_numbers…). */
  strings(key: string): string[] {
    const v = this.raw[key];
    if (!Array.isArray(v)) return [];
    return v.flatMap((item) => (typeof item === 'string' ? [item] : item instanceof JsonNumber ? [item.text] : []));
  }

  /** A timestamp as ISO 8601: ISO text as sent, or epoch milliseconds / seconds (Hotmart sends ms). */
  timestamp(key: string): string | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    if (v instanceof JsonNumber || (typeof v === 'string' && /^\d{9,13}$/.test(v.trim()))) {
      const digits = v instanceof JsonNumber ? v.text : v.trim();
      if (!/^\d{9,13}$/.test(digits)) {
        this.note(key, `${digits} ignored: not an epoch timestamp`);
        return undefined;
      }
      const ms = digits.length >= 12 ? Number(digits) : Number(digits) * 1000;
      if (typeof v === 'string') this.note(key, 'epoch timestamp sent as text');
      return new Date(ms).toISOString();
    }
    if (typeof v === 'string' && v.trim() !== '') return v.trim();
    this.note(key, `${JSON.stringify(v)} ignored where a timestamp was expected`);
    return undefined;
  }
}

/** A header, whatever its case (HTTP/2 lower-cases them; tests and proxies may not). */
export function header(headers: Record<string, string | undefined>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === wanted && v !== undefined) return v;
  return undefined;
}

/**
 * An event type matched against the names the platform documents, case-insensitively; a case
 * variant is reported. Returns the documented spelling, or the value as sent when unknown.
 */
export function knownName(sent: string, known: readonly string[], where: string, warn: Warn): { name: string; known: boolean } {
  const exact = known.find((k) => k === sent);
  if (exact) return { name: exact, known: true };
  const variant = known.find((k) => k.toLowerCase() === sent.trim().toLowerCase());
  if (variant) {
    warn(`${where}: ${JSON.stringify(sent)} read as ${JSON.stringify(variant)}`);
    return { name: variant, known: true };
  }
  return { name: sent.trim(), known: false };
}

export function lowerEmail(value: string | undefined): string | null {
  const v = value?.trim().toLowerCase();
  return v ? v : null;
}

/**
 * A platform payload and the event it names: the body read losslessly, the event name from the
 * first of `fields` present (`sent`, as spelled), matched against the documented names (`name`;
 * `known` false: unmapped).
 * Throws InvalidStorePayloadError when no field names an event.
 */
export function readEvent(rawBody: string, fields: readonly string[], documented: readonly string[], warn: Warn) {
  const body = Reader.root(parseBody(rawBody), warn);
  const sent = fields.map((f) => body.text(f)).find((v) => v !== undefined && v !== null && v !== '');
  if (!sent) throw new InvalidStorePayloadError(`${fields[0]} is missing: nothing says what happened`);
  return { body, sent, ...knownName(sent, documented, fields[0], warn) };
}
