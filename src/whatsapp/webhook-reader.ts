import { fieldPath } from './spec';

/**
 * Reads one webhook object the way Meta really sends it, not the way its schema says: a
 * number where a string is documented (and the reverse), case variants of enum values, values
 * the schema does not know yet, optional parts left out. Every such normalisation is reported
 * through `warn` with the field's path; only a field the event cannot live without throws
 * UnreadableEventError, and that sinks this event alone.
 */

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

export class UnreadableEventError extends Error {
  override readonly name = 'UnreadableEventError';
}

export type Warn = (message: string) => void;

export class FieldReader {
  constructor(
    readonly raw: Obj,
    readonly path: string[],
    private readonly warn: Warn,
  ) {}

  at(key: string): string {
    return fieldPath([...this.path, key]);
  }

  note(key: string, message: string): void {
    this.warn(`${this.at(key)}: ${message}`);
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== null;
  }

  /** A string; a number is taken as its decimal text (Meta sends both for ids and timestamps). */
  str(key: string): string | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') {
      this.note(key, `${typeof v} read as a string`);
      return String(v);
    }
    this.note(key, `${Array.isArray(v) ? 'array' : typeof v} ignored where a string was expected`);
    return undefined;
  }

  requiredStr(key: string): string {
    const v = this.str(key);
    if (v === undefined || v === '') throw new UnreadableEventError(`${this.at(key)}: is required`);
    return v;
  }

  /**
   * A number; a numeric string is read as the number it spells (reported, unless Meta documents
   * the field as a string, as it does for expiration_timestamp).
   */
  num(key: string, { stringDocumented = false } = {}): number | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) {
      if (!stringDocumented) this.note(key, 'numeric string read as a number');
      return Number(v);
    }
    this.note(key, `${JSON.stringify(v)} ignored where a number was expected`);
    return undefined;
  }

  /** A boolean; "true"/"false" strings are read as booleans. */
  bool(key: string): boolean | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'boolean') return v;
    if (typeof v === 'string' && /^(true|false)$/i.test(v)) {
      this.note(key, 'string read as a boolean');
      return v.toLowerCase() === 'true';
    }
    this.note(key, `${JSON.stringify(v)} ignored where a boolean was expected`);
    return undefined;
  }

  /**
   * An enum value in its canonical case. A case variant is normalised; a value recado does not
   * know is kept as sent (upper/lower-cased like the known ones) and reported.
   */
  enumOf<T extends string>(key: string, known: readonly T[], casing: 'upper' | 'lower'): T | string | undefined {
    const v = this.str(key);
    if (v === undefined) return undefined;
    const canonical = casing === 'upper' ? v.toUpperCase() : v.toLowerCase();
    if (!(known as readonly string[]).includes(canonical)) {
      this.note(key, `unknown value ${JSON.stringify(v)}`);
      return canonical;
    }
    if (canonical !== v) this.note(key, `${JSON.stringify(v)} read as ${JSON.stringify(canonical)}`);
    return canonical as T;
  }

  obj(key: string): FieldReader | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    if (!isObj(v)) {
      this.note(key, 'ignored: not an object');
      return undefined;
    }
    return new FieldReader(v, [...this.path, key], this.warn);
  }

  /** The objects of an array field; items that are not objects are reported and skipped. */
  list(key: string): FieldReader[] {
    const v = this.raw[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) {
      this.note(key, 'ignored: not an array');
      return [];
    }
    const out: FieldReader[] = [];
    v.forEach((item, i) => {
      if (isObj(item)) out.push(new FieldReader(item, [...this.path, key, String(i)], this.warn));
      else this.warn(`${fieldPath([...this.path, key, String(i)])}: ignored: not an object`);
    });
    return out;
  }

  /** The raw array items, whatever they are (for parts kept as received, e.g. errors). */
  rawList(key: string): unknown[] | undefined {
    const v = this.raw[key];
    return Array.isArray(v) ? v : undefined;
  }
}
