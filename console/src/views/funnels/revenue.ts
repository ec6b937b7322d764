import type { Schemas } from '../../api/client';

/** Integer minor units (a string, exact beyond 2^53) as a decimal string: "12345", 2 → "123.45". */
export function minorToDecimal(minor: string, digits: number): string {
  if (digits === 0) return minor;
  const padded = minor.padStart(digits + 1, '0');
  return `${padded.slice(0, -digits)}.${padded.slice(-digits)}`;
}

/** An amount in a locale (the page's lang), never through a float: Intl formats the decimal string exactly. */
export function formatMoney(minor: string, currency: string, locale: string): string {
  const formatter = new Intl.NumberFormat(locale, { style: 'currency', currency });
  const digits = formatter.resolvedOptions().maximumFractionDigits ?? 2;
  // ES2023 Intl takes a decimal string and keeps every digit.
  return formatter.format(minorToDecimal(minor, digits) as unknown as number);
}

/** Every currency the row converted in, largest first; "—" when nothing converted. */
export function formatRevenue(row: Pick<Schemas['StatsRowView'], 'revenue_by_currency'>, locale: string): string {
  if (row.revenue_by_currency.length === 0) return '—';
  return row.revenue_by_currency.map((r) => formatMoney(r.revenue_minor, r.currency, locale)).join(' + ');
}
