import type { LeadField, LeadFieldError } from '../lead';
import { FORM_MESSAGES, fieldErrorText, type FormLang, type FormMessages } from './messages';

/**
 * The hosted checkout form: one complete HTML document, no JavaScript at all, so it works on any
 * phone browser and with scripts off. Errors come back from the server as a summary at the top
 * (links to each field) and a message beside each field, the way screen readers announce them.
 */

export interface CheckoutFormInput {
  lang: FormLang;
  /** Where the form posts. The language link is this URL with `lang=`: serve the page at the same URL. */
  action: string;
  storeName: string;
  product: string;
  plan: string | null;
  /** The amount in the currency's minor unit (cents), as digits: "19700" is R$ 197,00. */
  amountMinor: string;
  currency: string;
  values?: Partial<Record<LeadField, string>>;
  errors?: LeadFieldError[];
  /** A message about the whole form, already in the page's language (e.g. the gateway could not be reached). */
  notice?: string;
}

const FIELDS: LeadField[] = ['name', 'email', 'phone'];

const INPUT_ATTRIBUTES: Record<LeadField, string> = {
  name: 'type="text" autocomplete="name" autocapitalize="words"',
  email: 'type="email" autocomplete="email" inputmode="email" autocapitalize="none" spellcheck="false"',
  phone: 'type="tel" autocomplete="tel" inputmode="tel"',
};

/**
 * `novalidate`: the server checks every field with the API's rules and answers in the page's
 * language; the browser's own bubbles would speak the browser's language and other rules.
 * `required` stays, so assistive technology still announces each field as required.
 */
export function renderCheckoutForm(input: CheckoutFormInput): string {
  const t = FORM_MESSAGES[input.lang];
  const errors = input.errors ?? [];
  const title = `${errors.length > 0 ? t.errorTitlePrefix : ''}${t.title} · ${input.storeName}`;
  return `<!doctype html>
<html lang="${t.htmlLang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<p class="store">${escapeHtml(input.storeName)}</p>
<p class="lang"><a href="${escapeHtml(withLang(input.action, t.switchTo.lang))}" lang="${t.switchTo.htmlLang}" hreflang="${t.switchTo.htmlLang}">${t.switchTo.label}</a></p>
</header>
<main>
<h1>${t.title}</h1>
${errorSummary(t, input.lang, errors)}${input.notice ? `<p class="notice" role="status">${escapeHtml(input.notice)}</p>\n` : ''}<section aria-labelledby="order-heading">
<h2 id="order-heading">${t.orderHeading}</h2>
<dl class="order">
<div><dt>${t.product}</dt><dd>${escapeHtml(input.product)}</dd></div>
${input.plan ? `<div><dt>${t.plan}</dt><dd>${escapeHtml(input.plan)}</dd></div>\n` : ''}<div><dt>${t.amount}</dt><dd>${escapeHtml(formatAmount(input.amountMinor, input.currency, t.htmlLang))}</dd></div>
</dl>
</section>
<section aria-labelledby="details-heading">
<h2 id="details-heading">${t.detailsHeading}</h2>
<p>${t.intro} ${t.allRequired}</p>
<form method="post" action="${escapeHtml(input.action)}" novalidate>
<input type="hidden" name="lang" value="${input.lang}">
${FIELDS.map((field) => fieldHtml(t, input.lang, field, input.values?.[field] ?? '', errors)).join('\n')}
<button type="submit">${t.submit}</button>
<p class="after">${t.afterSubmit}</p>
</form>
</section>
</main>
</body>
</html>
`;
}

function errorSummary(t: FormMessages, lang: FormLang, errors: LeadFieldError[]): string {
  if (errors.length === 0) return '';
  const items = sortedByField(errors)
    .map((e) => `<li><a href="#${e.field}">${escapeHtml(fieldErrorText(lang, e))}</a></li>`)
    .join('\n');
  // autofocus (no script needed) takes keyboard and screen-reader users straight to what to fix.
  return `<div class="error-summary" role="alert" aria-labelledby="error-summary-heading" tabindex="-1" autofocus>
<h2 id="error-summary-heading">${t.errorSummaryHeading}</h2>
<ul>
${items}
</ul>
</div>
`;
}

function fieldHtml(t: FormMessages, lang: FormLang, field: LeadField, value: string, errors: LeadFieldError[]): string {
  const fieldErrors = errors.filter((e) => e.field === field);
  const hintId = field === 'phone' ? 'phone-hint' : null;
  const errorId = fieldErrors.length > 0 ? `${field}-error` : null;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ');
  const hint = hintId ? `<p class="hint" id="${hintId}">${t.phoneHint}</p>\n` : '';
  const error = errorId
    ? `<p class="error" id="${errorId}"><span class="visually-hidden">${t.errorPrefix} </span>${fieldErrors
        .map((e) => escapeHtml(fieldErrorText(lang, e)))
        .join('. ')}</p>\n`
    : '';
  return `<div class="field${errorId ? ' invalid' : ''}">
<label for="${field}">${t.labels[field]}</label>
${hint}${error}<input id="${field}" name="${field}" ${INPUT_ATTRIBUTES[field]} required value="${escapeHtml(value)}"${
    errorId ? ' aria-invalid="true"' : ''
  }${describedBy ? ` aria-describedby="${describedBy}"` : ''}>
</div>`;
}

function sortedByField(errors: LeadFieldError[]): LeadFieldError[] {
  return [...errors].sort((a, b) => FIELDS.indexOf(a.field) - FIELDS.indexOf(b.field));
}

/** "19700" BRL → "R$ 197,00" (pt-BR) or "R$197.00" (en), through a decimal string so no digit is lost to floats. */
export function formatAmount(amountMinor: string, currency: string, locale: string): string {
  if (!/^\d+$/.test(amountMinor)) throw new Error(`amountMinor must be digits (the amount in cents), got ${JSON.stringify(amountMinor)}`);
  const format = new Intl.NumberFormat(locale, { style: 'currency', currency });
  const decimals = format.resolvedOptions().maximumFractionDigits ?? 2;
  const digits = amountMinor.padStart(decimals + 1, '0');
  const decimal = decimals === 0 ? digits : `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
  // Intl formats a decimal string exactly (ES2023), which a Number would not past 2^53 cents.
  return format.format(decimal as `${number}`);
}

/** The form's URL with `lang` set; a relative URL stays relative, other parameters and the fragment are kept. */
export function withLang(action: string, lang: FormLang): string {
  const [beforeHash, ...hash] = action.split('#');
  const [path, ...query] = beforeHash.split('?');
  const params = new URLSearchParams(query.join('?'));
  params.set('lang', lang);
  return `${path}?${params.toString()}${hash.length > 0 ? `#${hash.join('#')}` : ''}`;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

// Readable on a phone, AA contrast (text ≥ 4.5:1, borders ≥ 3:1), a focus ring that is always visible.
const STYLE = `
*,*::before,*::after{box-sizing:border-box}
body{margin:0 auto;max-width:34rem;padding:1rem;font:1.0625rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#fff}
header{display:flex;justify-content:space-between;align-items:baseline;gap:1rem}
.store{font-weight:600;margin:0}
.lang{margin:0}
h1{font-size:1.6rem;line-height:1.25;margin:1rem 0}
h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
a{color:#0b4fc4}
a:focus-visible,input:focus-visible,button:focus-visible,.error-summary:focus{outline:3px solid #0b4fc4;outline-offset:2px}
.order{display:grid;gap:.25rem;margin:0;padding:.75rem 1rem;border:1px solid #767676;border-radius:.5rem}
.order div{display:flex;justify-content:space-between;gap:1rem}
.order dt{color:#444}
.order dd{margin:0;font-weight:600;text-align:right}
.field{margin:1rem 0}
label{display:block;font-weight:600;margin-bottom:.25rem}
.hint{margin:0 0 .25rem;color:#444;font-size:.95rem}
input{display:block;width:100%;font:inherit;padding:.6rem .7rem;border:2px solid #767676;border-radius:.35rem;color:inherit;background:#fff}
.invalid input{border-color:#b3261e}
.error{margin:0 0 .25rem;color:#b3261e;font-weight:600}
.error-summary{border:3px solid #b3261e;border-radius:.5rem;padding:.5rem 1rem;margin:1rem 0}
.error-summary h2{margin-top:.5rem}
.error-summary a{color:#b3261e;font-weight:600}
.notice{border-left:.35rem solid #8a5300;background:#fff8e6;padding:.75rem 1rem;margin:1rem 0}
button{display:block;width:100%;margin-top:1.5rem;font:inherit;font-weight:600;padding:.8rem 1rem;border:0;border-radius:.35rem;color:#fff;background:#0b4fc4;cursor:pointer}
button:hover{background:#083b94}
.after{color:#444;font-size:.95rem}
.visually-hidden{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
`
  .trim()
  .replace(/\n/g, '');
