import type { IdentityKind } from './index/contact-document';

/**
 * The ways a customer is found, one canonical form each, so "+55 (11) 98765-4321" and
 * "5511987654321" are the same phone: phones in E.164, e-mail lower-case, WhatsApp ids as Meta
 * sends them (digits, or the business-scoped user id), Telegram chat ids as integers.
 */
export interface Identity {
  kind: IdentityKind;
  value: string;
}

export type Normalised = { ok: true; value: string } | { ok: false; message: string };

const E164_DIGITS = /^[1-9][0-9]{7,14}$/;
/** Meta's business-scoped user id, sent instead of the wa_id for some users: "US.13491208655302741918". */
const BUSINESS_SCOPED_USER_ID = /^[A-Z]{2}\.[0-9A-Za-z]{1,64}$/;
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
const TELEGRAM_CHAT_ID = /^-?[1-9][0-9]{0,19}$/;
const APP_USER_ID = /^[^\s\p{C}]{1,200}$/u;

/** Spaces, dashes, dots and brackets people write in phone numbers. */
const PHONE_PUNCTUATION = /[\s\-.()/]/g;

export function normaliseIdentity(kind: IdentityKind, raw: string): Normalised {
  const value = raw.trim();
  switch (kind) {
    case 'phone': {
      const digits = value.replace(PHONE_PUNCTUATION, '').replace(/^(\+|00)/, '');
      if (!E164_DIGITS.test(digits)) {
        return { ok: false, message: 'must be a phone number in international format with its country code (e.g. +5511987654321)' };
      }
      return { ok: true, value: `+${digits}` };
    }
    case 'whatsapp': {
      if (BUSINESS_SCOPED_USER_ID.test(value)) return { ok: true, value };
      const digits = value.replace(PHONE_PUNCTUATION, '').replace(/^\+/, '');
      if (!E164_DIGITS.test(digits)) {
        return { ok: false, message: 'must be a WhatsApp id: the phone number in international format, digits only (e.g. 5511987654321)' };
      }
      return { ok: true, value: digits };
    }
    case 'email': {
      const email = value.toLowerCase();
      if (email.length > 320 || !EMAIL.test(email)) return { ok: false, message: 'must be an e-mail address (e.g. maria@example.com)' };
      return { ok: true, value: email };
    }
    case 'telegram':
      if (!TELEGRAM_CHAT_ID.test(value)) return { ok: false, message: 'must be a Telegram chat id (an integer, e.g. 123456789)' };
      return { ok: true, value };
    case 'app':
      if (!APP_USER_ID.test(value)) return { ok: false, message: 'must be the app user id: 1 to 200 characters, no spaces' };
      return { ok: true, value };
  }
}

/** The key two writers naming the same identity (or contact id) serialise on. */
export function identityKey(identity: Identity): string {
  return `${identity.kind}:${identity.value}`;
}
