import { normaliseIdentity } from '../../contacts/identities';
import type { Money } from '../canonical-event';
import { currencyCode, decimalToMinor, integerMinor } from './money';
import type { Reader } from './read';

/**
 * The customer's phone as platforms write it — "+55 (11) 98765-4321", "11987654321",
 * "5511987654321", "0xx11 98765-4321", Pagar.me's { country_code, area_code, number } — to
 * E.164, with Brazil as the country when the number carries none. Unreadable → null, reported.
 */

/** Calling codes for the countries a shipping / billing address may name; others fall back to Brazil. */
const CALLING_CODES: Record<string, string> = {
  BR: '55', US: '1', CA: '1', PT: '351', AR: '54', MX: '52', CL: '56', CO: '57', PE: '51', UY: '598', PY: '595', ES: '34', GB: '44', DE: '49', FR: '33', IT: '39',
};

export const DEFAULT_COUNTRY = 'BR';

const PUNCTUATION = /[\s\-.()/]/g;

export type PhoneResult = { ok: true; e164: string } | { ok: false; reason: string };

export function phoneToE164(raw: string, country = DEFAULT_COUNTRY): PhoneResult {
  const compact = raw.trim().replace(PUNCTUATION, '');
  if (compact === '') return { ok: false, reason: 'empty' };
  if (/^(\+|00)/.test(compact)) {
    const n = normaliseIdentity('phone', compact);
    return n.ok ? { ok: true, e164: n.value } : { ok: false, reason: `${JSON.stringify(raw)} is not a phone number` };
  }
  if (!/^\d+$/.test(compact)) return { ok: false, reason: `${JSON.stringify(raw)} is not a phone number` };
  const callingCode = CALLING_CODES[country.toUpperCase()] ?? CALLING_CODES[DEFAULT_COUNTRY];
  const digits = callingCode === '55' ? brazilianDigits(compact) : nationalDigits(compact, callingCode);
  if (!digits) return { ok: false, reason: `${JSON.stringify(raw)} is not a phone number with its area code` };
  const n = normaliseIdentity('phone', `+${digits}`);
  return n.ok ? { ok: true, e164: n.value } : { ok: false, reason: `${JSON.stringify(raw)} is not a phone number` };
}

/**
 * Brazilian numbers: DDD (2 digits, no zero) + 8 digits (landline) or 9 digits starting with 9
 * (mobile), optionally after the trunk 0 ("011…"), a carrier code ("0 15 11…", "0xx" written as
 * digits is not possible) or the country code 55.
 */
function brazilianDigits(d: string): string | null {
  let n = d;
  if (/^0\d{2}[1-9]{2}\d{8,9}$/.test(n)) n = n.slice(3); // 0 + carrier code + DDD + number
  else if (n.startsWith('0')) n = n.slice(1);
  if (/^55[1-9]{2}\d{8,9}$/.test(n) && n.length >= 12) return n;
  if (/^[1-9]{2}(9\d{8}|[2-8]\d{7})$/.test(n)) return `55${n}`;
  return null;
}

function nationalDigits(d: string, callingCode: string): string | null {
  if (d.startsWith(callingCode) && d.length > 10) return d;
  const national = d.replace(/^0/, '');
  return national.length >= 6 ? `${callingCode}${national}` : null;
}

/** The phone at `key`, or null with a warning naming the field. */
export function readPhone(r: Reader | undefined, key: string, country?: string): string | null {
  if (!r) return null;
  const raw = r.text(key, { numberExpected: true });
  if (raw === undefined) return null;
  const p = phoneToE164(raw, country);
  if (p.ok) return p.e164;
  r.note(key, `unreadable phone (${p.reason}); customer phone left empty`);
  return null;
}

/** Pagar.me's phone object { country_code, area_code, number }. */
export function readPhoneObject(r: Reader | undefined): string | null {
  if (!r) return null;
  const country = r.text('country_code', { numberExpected: true }) ?? '';
  const area = r.text('area_code', { numberExpected: true }) ?? '';
  const number = r.text('number', { numberExpected: true });
  if (!number) return null;
  const raw = country ? `+${country.replace(/^\+/, '')}${area}${number}` : `${area}${number}`;
  const p = phoneToE164(raw);
  if (p.ok) return p.e164;
  r.warn(`${r.path.join('.')}: unreadable phone (${p.reason}); customer phone left empty`);
  return null;
}

/** An e-mail, lower-cased; not an address → null, reported. */
export function readEmail(r: Reader | undefined, key: string): string | null {
  if (!r) return null;
  const raw = r.text(key);
  if (raw === undefined) return null;
  const n = normaliseIdentity('email', raw);
  if (n.ok) return n.value;
  r.note(key, `unreadable e-mail ${JSON.stringify(raw)}; customer e-mail left empty`);
  return null;
}

/** A name, with inner whitespace collapsed ("FABIO " → "FABIO"). */
export function readName(r: Reader | undefined, ...keys: string[]): string | null {
  if (!r) return null;
  const parts = keys.map((k) => r.text(k)).filter((v): v is string => !!v);
  const name = parts.join(' ').replace(/\s+/g, ' ').trim();
  return name || null;
}

/** A decimal amount (major units) at `key` with the given currency → Money, or null with a warning. */
export function readDecimalMoney(r: Reader | undefined, key: string, currency: string | undefined, opts: { stringExpected?: boolean } = {}): Money | null {
  if (!r) return null;
  const amount = r.decimal(key, opts);
  if (amount === undefined) return null;
  const code = currencyCode(currency);
  if (!code) {
    r.note(key, `amount ${amount} has no readable currency (${JSON.stringify(currency ?? null)}); amount left empty`);
    return null;
  }
  const m = decimalToMinor(amount, code);
  if (m.ok) return m.money;
  r.note(key, `${m.reason}; amount left empty`);
  return null;
}

/** An integer amount already in minor units at `key` → Money, or null with a warning. */
export function readMinorMoney(r: Reader | undefined, key: string, currency: string | undefined): Money | null {
  if (!r) return null;
  const amount = r.decimal(key);
  if (amount === undefined) return null;
  const code = currencyCode(currency);
  if (!code) {
    r.note(key, `amount ${amount} has no readable currency (${JSON.stringify(currency ?? null)}); amount left empty`);
    return null;
  }
  const m = integerMinor(amount, code);
  if (m.ok) return m.money;
  r.note(key, `${m.reason}; amount left empty`);
  return null;
}
