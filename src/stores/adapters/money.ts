import type { Money } from '../canonical-event';

/**
 * Money from the decimal text a platform sends ("199.90", 150.9, "1.5e2") to integer minor units
 * of its currency, by string arithmetic only: no float ever holds an amount.
 */

/** ISO 4217 currencies whose minor unit is not 2 digits; every other code has 2. */
const MINOR_DIGITS: Record<string, number> = {
  // 0 digits
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  // 3 digits
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  // 4 digits
  CLF: 4, UYW: 4,
};

export function minorDigits(currency: string): number {
  return MINOR_DIGITS[currency] ?? 2;
}

const CURRENCY = /^[A-Z]{3}$/;
const DECIMAL = /^([+-]?)(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

export type MoneyResult = { ok: true; money: Money } | { ok: false; reason: string };

/** A currency code as ISO 4217 upper case; "brl" is read as "BRL". */
export function currencyCode(raw: string | undefined): string | null {
  const c = raw?.trim().toUpperCase();
  return c && CURRENCY.test(c) ? c : null;
}

/**
 * "199.90" BRL → 19990; "150.9" → 15090; "1000" JPY → 1000. Digits past the currency's minor
 * unit are accepted only when they are zeros ("199.900"); anything else would need rounding,
 * which is the platform's business, not ours.
 */
export function decimalToMinor(decimal: string, currency: string): MoneyResult {
  const m = DECIMAL.exec(decimal.trim());
  if (!m) return { ok: false, reason: `${JSON.stringify(decimal)} is not a decimal amount` };
  const [, sign, intPart, fracPart = '', expPart] = m;
  let digits = intPart + fracPart;
  let point = intPart.length + (expPart ? Number(expPart) : 0);
  if (Math.abs(point) > 40) return { ok: false, reason: `${JSON.stringify(decimal)} is out of range` };
  const exponent = minorDigits(currency);
  point += exponent;
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  if (point > digits.length) digits = digits + '0'.repeat(point - digits.length);
  const whole = digits.slice(0, point);
  const rest = digits.slice(point);
  if (/[1-9]/.test(rest)) {
    return { ok: false, reason: `${JSON.stringify(decimal)} has more decimals than ${currency}'s ${exponent}` };
  }
  const minor = whole.replace(/^0+(?=\d)/, '') || '0';
  return { ok: true, money: { amountMinor: sign === '-' && minor !== '0' ? `-${minor}` : minor, currency } };
}

/** An amount already in minor units (Pagar.me's integer cents). */
export function integerMinor(text: string, currency: string): MoneyResult {
  const t = text.trim();
  if (!/^-?\d+$/.test(t)) return { ok: false, reason: `${JSON.stringify(text)} is not an integer amount in minor units` };
  const negative = t.startsWith('-');
  const minor = t.replace(/^-/, '').replace(/^0+(?=\d)/, '');
  return { ok: true, money: { amountMinor: negative && minor !== '0' ? `-${minor}` : minor, currency } };
}
