import { normaliseIdentity } from '../contacts/identities';
import { DEFAULT_COUNTRY, phoneToE164 } from '../stores/adapters/customer';

/**
 * The one validation of a lead — the customer's name, e-mail and phone captured before checkout —
 * shared by the JSON API and the hosted form, so both accept and refuse exactly the same input.
 * Every field's problem is reported at once: a customer fixes the whole form in one go.
 */

export type LeadField = 'name' | 'email' | 'phone';
export type LeadErrorCode = 'required' | 'too_long' | 'invalid_email' | 'invalid_phone';

export interface LeadFieldError {
  field: LeadField;
  code: LeadErrorCode;
  /** English, names the field; the hosted form shows its own translation of `code` instead. */
  message: string;
}

export interface Lead {
  name: string;
  email: string;
  /** E.164, e.g. +5521987654321. */
  phone: string;
}

export type LeadValidation = { ok: true; lead: Lead } | { ok: false; errors: LeadFieldError[] };

export interface LeadInput {
  name?: unknown;
  email?: unknown;
  phone?: unknown;
}

export const NAME_MAX_CHARS = 200;
/** The longest address SMTP can carry in a path (RFC 5321 §4.5.3.1.3). */
export const EMAIL_MAX_CHARS = 254;
/** A pasted paragraph is not a phone number; reading stops here rather than parsing it. */
const PHONE_MAX_CHARS = 40;

export function validateLead(input: LeadInput, country = DEFAULT_COUNTRY): LeadValidation {
  const errors: LeadFieldError[] = [];
  const name = readName(input.name, errors);
  const email = readEmail(input.email, errors);
  const phone = readPhone(input.phone, country, errors);
  if (errors.length > 0 || name === null || email === null || phone === null) return { ok: false, errors };
  return { ok: true, lead: { name, email, phone } };
}

function readName(raw: unknown, errors: LeadFieldError[]): string | null {
  // Line breaks and runs of spaces pasted into a name would show up in the CRM and on e-mails.
  const name = typeof raw === 'string' ? raw.replace(/\s+/g, ' ').trim() : '';
  if (name === '') {
    errors.push({ field: 'name', code: 'required', message: 'name is required' });
    return null;
  }
  // Characters as people count them, so an accented or emoji name is not cut short.
  if ([...name].length > NAME_MAX_CHARS) {
    errors.push({ field: 'name', code: 'too_long', message: `name must be at most ${NAME_MAX_CHARS} characters` });
    return null;
  }
  return name;
}

function readEmail(raw: unknown, errors: LeadFieldError[]): string | null {
  if (raw !== undefined && raw !== null && typeof raw !== 'string') {
    errors.push({ field: 'email', code: 'invalid_email', message: EMAIL_INVALID });
    return null;
  }
  const email = (raw ?? '').trim();
  if (email === '') {
    errors.push({ field: 'email', code: 'required', message: 'email is required' });
    return null;
  }
  if (email.length > EMAIL_MAX_CHARS) {
    errors.push({ field: 'email', code: 'too_long', message: `email must be at most ${EMAIL_MAX_CHARS} characters` });
    return null;
  }
  // The same check (and lower-casing) as a contact's e-mail identity, so the lead and the contact match.
  const normalised = normaliseIdentity('email', email);
  if (!normalised.ok) {
    errors.push({ field: 'email', code: 'invalid_email', message: EMAIL_INVALID });
    return null;
  }
  return normalised.value;
}

const EMAIL_INVALID = 'email must be an e-mail address, like maria@example.com';

function readPhone(raw: unknown, country: string, errors: LeadFieldError[]): string | null {
  // JSON clients sometimes send the digits as a number.
  const text = typeof raw === 'number' && Number.isSafeInteger(raw) && raw > 0 ? String(raw) : raw;
  if (text !== undefined && text !== null && typeof text !== 'string') {
    errors.push({ field: 'phone', code: 'invalid_phone', message: phoneInvalidMessage(country) });
    return null;
  }
  const phone = (text ?? '').trim();
  if (phone === '') {
    errors.push({ field: 'phone', code: 'required', message: 'phone is required' });
    return null;
  }
  const e164 = phone.length <= PHONE_MAX_CHARS ? phoneToE164(phone, country) : null;
  if (!e164?.ok) {
    errors.push({ field: 'phone', code: 'invalid_phone', message: phoneInvalidMessage(country) });
    return null;
  }
  return e164.e164;
}

function phoneInvalidMessage(country: string): string {
  return country.toUpperCase() === 'BR'
    ? 'phone must be a phone number with its area code, like (21) 98765-4321 or +5521987654321'
    : 'phone must be a phone number with its area code, or with its country code, like +14155552671';
}
