import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/**
 * Secrets at rest: every provider credential recado stores (WhatsApp access tokens today; SMTP
 * passwords, bot tokens, CRM keys later) is sealed with this one helper before it reaches Postgres.
 *
 * Envelope: `v1:<kid>:<iv>:<tag>:<ciphertext>`, the last three base64url. AES-256-GCM with a random
 * 96-bit IV per value. The key id names the key that sealed it, so keys rotate without a flag day:
 * new values use the current key, older ones open with a previous key until they are re-sealed.
 * The associated data is the version, the key id and the value's purpose (table.column:row id),
 * so a value copied to another column or row does not open.
 */

export const ENVELOPE_VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const B64URL = '[A-Za-z0-9_-]';
/** Key ids become part of the envelope: no separator, short. */
export const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
const ENVELOPE = new RegExp(`^${ENVELOPE_VERSION}:(${B64URL}{1,32}):(${B64URL}{16}):(${B64URL}{22}):(${B64URL}*)$`);

export interface SecretKey {
  id: string;
  /** 32 bytes. */
  key: Buffer;
}

export interface SecretKeys {
  /** Seals every new value. */
  current: SecretKey;
  /** Still open values sealed before a rotation. */
  previous: SecretKey[];
}

/** A sealed value that does not open: wrong key, tampered, moved to another purpose, or not an envelope. */
export class SecretDecryptError extends Error {
  constructor(
    readonly purpose: string,
    reason: string,
  ) {
    // Names where the value belongs, never any part of it.
    super(`cannot decrypt ${purpose}: ${reason}`);
    this.name = 'SecretDecryptError';
  }
}

/** Whether a stored value is already an envelope (plain-text values predate encryption). */
export function isSealed(value: string): boolean {
  return ENVELOPE.test(value);
}

/** The key id of an envelope, or undefined for a value that is not one. */
export function sealedKeyId(value: string): string | undefined {
  return ENVELOPE.exec(value)?.[1];
}

function aad(kid: string, purpose: string): Buffer {
  return Buffer.from(`${ENVELOPE_VERSION}:${kid}:${purpose}`, 'utf8');
}

export class SecretBox {
  private readonly byId: Map<string, Buffer>;

  constructor(private readonly keys: SecretKeys) {
    this.byId = new Map();
    for (const k of [keys.current, ...keys.previous]) {
      if (k.key.length !== KEY_BYTES) throw new Error(`secret key ${k.id}: must be ${KEY_BYTES} bytes, got ${k.key.length}`);
      if (!KEY_ID_PATTERN.test(k.id)) throw new Error(`secret key id "${k.id}": use letters, digits, _ or - (at most 32)`);
      if (this.byId.has(k.id)) throw new Error(`secret key id "${k.id}" is given twice`);
      this.byId.set(k.id, k.key);
    }
  }

  get currentKeyId(): string {
    return this.keys.current.id;
  }

  /** Seals `plaintext` for `purpose` (e.g. `whatsapp_numbers.access_token:<id>`) under the current key. */
  seal(plaintext: string, purpose: string): string {
    const { id, key } = this.keys.current;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(id, purpose));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [ENVELOPE_VERSION, id, iv.toString('base64url'), tag.toString('base64url'), ciphertext.toString('base64url')].join(':');
  }

  /** The plain text of an envelope sealed for `purpose`, under the current or a previous key. */
  open(envelope: string, purpose: string): string {
    const match = ENVELOPE.exec(envelope);
    if (!match) throw new SecretDecryptError(purpose, `not a ${ENVELOPE_VERSION} envelope`);
    const [, kid, iv, tag, ciphertext] = match;
    const key = this.byId.get(kid);
    if (!key) throw new SecretDecryptError(purpose, `sealed under key id "${kid}", which is neither RECADO_SECRET_KEY_ID nor in RECADO_SECRET_KEYS_PREVIOUS`);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(kid, purpose));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    try {
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretDecryptError(purpose, `authentication failed under key id "${kid}" (wrong key, tampered value, or sealed for another purpose)`);
    }
  }

  /** Whether a stored value should be (re-)sealed: plain text, or sealed under a key other than the current one. */
  needsSealing(value: string): boolean {
    return sealedKeyId(value) !== this.keys.current.id;
  }
}

/**
 * A key of its own for one purpose (e.g. signing public links), derived from a secrets key:
 * HMAC-SHA256(key, purpose). What the sealing key itself would sign never leaves the server, and
 * each purpose rotates with the secrets key it comes from.
 */
export function deriveKey(key: SecretKey, purpose: string): Buffer {
  return createHmac('sha256', key.key).update(purpose).digest();
}

/**
 * Parses a 32-byte key given as 64 hex digits or base64 / base64url (padding optional).
 * Returns undefined for anything else, so the caller can name its variable in the error.
 */
export function parseSecretKey(value: string): Buffer | undefined {
  const text = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) return undefined;
  const key = Buffer.from(text.replace(/=$/, '').replace(/\+/g, '-').replace(/\//g, '_'), 'base64url');
  return key.length === KEY_BYTES ? key : undefined;
}
