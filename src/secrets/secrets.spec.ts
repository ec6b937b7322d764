import { createHmac, randomBytes } from 'node:crypto';
import { deriveKey, isSealed, parseSecretKey, SecretBox, SecretDecryptError, sealedKeyId } from './secrets';

const PURPOSE = 'whatsapp_numbers.access_token:5f0c8a4e-0000-4000-8000-000000000001';
const TOKEN = 'EAAGm0PX4ZCpsBAKlZC0fakeSystemUserToken1234567890';
const key = (id: string) => ({ id, key: randomBytes(32) });

/** Replaces one base64url field of an envelope with the same bytes, one bit flipped. */
function flip(envelope: string, field: 2 | 3 | 4): string {
  const parts = envelope.split(':');
  const bytes = Buffer.from(parts[field], 'base64url');
  bytes[0] ^= 1;
  parts[field] = bytes.toString('base64url');
  return parts.join(':');
}

describe('SecretBox', () => {
  const k1 = key('k1');
  const box = new SecretBox({ current: k1, previous: [] });

  it('round-trips, in a v1 envelope naming the key and hiding the value', () => {
    const sealed = box.seal(TOKEN, PURPOSE);
    expect(sealed).toMatch(/^v1:k1:[\w-]{16}:[\w-]{22}:[\w-]+$/);
    expect(isSealed(sealed)).toBe(true);
    expect(sealedKeyId(sealed)).toBe('k1');
    for (let i = 0; i + 6 <= TOKEN.length; i++) expect(sealed).not.toContain(TOKEN.slice(i, i + 6));
    expect(box.open(sealed, PURPOSE)).toBe(TOKEN);
  });

  it('uses a fresh IV for every value', () => {
    const a = box.seal(TOKEN, PURPOSE);
    const b = box.seal(TOKEN, PURPOSE);
    expect(a.split(':')[2]).not.toBe(b.split(':')[2]);
    expect(a).not.toBe(b);
  });

  it('round-trips empty and non-ASCII values', () => {
    expect(box.open(box.seal('', PURPOSE), PURPOSE)).toBe('');
    expect(box.open(box.seal('senha-çã-🔑', PURPOSE), PURPOSE)).toBe('senha-çã-🔑');
  });

  it('does not open under another key with the same id', () => {
    const sealed = box.seal(TOKEN, PURPOSE);
    const impostor = new SecretBox({ current: key('k1'), previous: [] });
    expect(() => impostor.open(sealed, PURPOSE)).toThrow(SecretDecryptError);
    expect(() => impostor.open(sealed, PURPOSE)).toThrow(/authentication failed under key id "k1"/);
  });

  it('does not open a value sealed for another purpose (column or row)', () => {
    const sealed = box.seal(TOKEN, PURPOSE);
    expect(() => box.open(sealed, 'smtp_accounts.password:5f0c8a4e-0000-4000-8000-000000000001')).toThrow(SecretDecryptError);
    expect(() => box.open(sealed, 'whatsapp_numbers.access_token:another-row')).toThrow(SecretDecryptError);
  });

  it.each([
    [2, 'IV'],
    [3, 'tag'],
    [4, 'ciphertext'],
  ] as const)('rejects a tampered %s (%s)', (field, _name) => {
    const sealed = box.seal(TOKEN, PURPOSE);
    expect(() => box.open(flip(sealed, field), PURPOSE)).toThrow(/authentication failed/);
  });

  it('rejects a truncated ciphertext and a value that is not an envelope, without echoing it', () => {
    const sealed = box.seal(TOKEN, PURPOSE);
    expect(() => box.open(sealed.slice(0, -4), PURPOSE)).toThrow(SecretDecryptError);
    expect(() => box.open(TOKEN, PURPOSE)).toThrow(/not a v1 envelope/);
    const error = (() => {
      try {
        return box.open(TOKEN, PURPOSE);
      } catch (err) {
        return err;
      }
    })();
    expect(error).toBeInstanceOf(SecretDecryptError);
    expect(String(error)).not.toContain(TOKEN);
    expect((error as SecretDecryptError).purpose).toBe(PURPOSE);
    expect(isSealed(TOKEN)).toBe(false);
  });

  it('rotates: old values open under a previous key, new ones use the current key', () => {
    const old = box.seal(TOKEN, PURPOSE);
    const k2 = key('k2');
    const rotated = new SecretBox({ current: k2, previous: [k1] });
    expect(rotated.open(old, PURPOSE)).toBe(TOKEN);
    const fresh = rotated.seal(TOKEN, PURPOSE);
    expect(sealedKeyId(fresh)).toBe('k2');
    expect(rotated.needsSealing(old)).toBe(true);
    expect(rotated.needsSealing(fresh)).toBe(false);
    expect(rotated.needsSealing(TOKEN)).toBe(true);
    // Once the old key is dropped, values still under it say which key they need.
    const dropped = new SecretBox({ current: k2, previous: [] });
    expect(() => dropped.open(old, PURPOSE)).toThrow(/key id "k1", which is neither RECADO_SECRET_KEY_ID nor in RECADO_SECRET_KEYS_PREVIOUS/);
    expect(dropped.open(fresh, PURPOSE)).toBe(TOKEN);
  });

  it('refuses keys of the wrong size, bad ids and duplicate ids', () => {
    expect(() => new SecretBox({ current: { id: 'k', key: randomBytes(16) }, previous: [] })).toThrow(/must be 32 bytes/);
    expect(() => new SecretBox({ current: { id: 'a:b', key: randomBytes(32) }, previous: [] })).toThrow(/secret key id/);
    expect(() => new SecretBox({ current: key('k'), previous: [key('k')] })).toThrow(/given twice/);
  });
});

describe('parseSecretKey', () => {
  const raw = randomBytes(32);

  it.each([
    ['hex', raw.toString('hex')],
    ['base64', raw.toString('base64')],
    ['base64 without padding', raw.toString('base64').replace(/=$/, '')],
    ['base64url', raw.toString('base64url')],
  ])('reads %s', (_form, text) => {
    expect(parseSecretKey(text)?.equals(raw)).toBe(true);
  });

  it.each([
    ['too short', randomBytes(16).toString('base64')],
    ['too long', randomBytes(48).toString('hex')],
    ['a passphrase', 'correct horse battery staple'],
    ['empty', ''],
  ])('rejects %s', (_what, text) => {
    expect(parseSecretKey(text)).toBeUndefined();
  });
});

describe('deriveKey', () => {
  it('gives each purpose and each secrets key its own 32 bytes, never the secrets key itself', () => {
    const k1 = key('k1');
    const links = deriveKey(k1, 'recado recording playback links v1');
    expect(links).toHaveLength(32);
    expect(links.equals(k1.key)).toBe(false);
    expect(links.equals(deriveKey(k1, 'recado recording playback links v1'))).toBe(true);
    expect(links.equals(deriveKey(k1, 'recado tracked links v1'))).toBe(false);
    expect(links.equals(deriveKey(key('k2'), 'recado recording playback links v1'))).toBe(false);
    // The same derivation the tracked links have always used, so it can replace theirs unchanged.
    expect(deriveKey(k1, 'recado tracked links v1').equals(createHmac('sha256', k1.key).update('recado tracked links v1').digest())).toBe(true);
  });
});
