import type { MessageContent } from '../../channels/driver';
import type { CanonicalEvent, Money } from '../../stores/canonical-event';
import type { StoreTemplateRow } from '../model';
import { CUSTOM_VARIABLE_PREFIX, fillPlaceholders, placeholders, stripBraces, URL_VARIABLES } from './template-variables';

export interface RenderContext {
  storeName: string;
  /** The tracked form of a URL (click counting); every URL that goes out passes through it. */
  link: (url: string) => string;
  /** IANA zone dates are shown in (the contact's when known); default DEFAULT_RENDER_TIME_ZONE. */
  timeZone?: string;
}

/** Where dates are shown when the contact's zone is unknown: the seeds' customers are Brazilian. */
export const DEFAULT_RENDER_TIME_ZONE = 'America/Sao_Paulo';
const LOCALE = 'pt-BR';

/** Integer minor units in their currency, pt-BR ("R$ 1.234,50"), exactly (no float on the way). */
export function formatMoney(money: Money): string {
  const minor = String(money.amountMinor ?? '').trim();
  const currency = String(money.currency ?? '').trim().toUpperCase();
  if (!/^-?\d+$/.test(minor) || !/^[A-Z]{3}$/.test(currency)) return '';
  const format = new Intl.NumberFormat(LOCALE, { style: 'currency', currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  const negative = minor.startsWith('-');
  const abs = minor.replace('-', '').padStart(digits + 1, '0');
  const decimal = `${negative ? '-' : ''}${digits ? `${abs.slice(0, -digits)}.${abs.slice(-digits)}` : abs}`;
  // A decimal string is formatted exactly (Intl.NumberFormat v3); pt-BR separates R$ with a no-break space.
  return format.format(decimal as unknown as number).replace(/\u00a0/g, ' ');
}

function formatDate(iso: string, timeZone: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  try {
    return new Intl.DateTimeFormat(LOCALE, { timeZone, dateStyle: 'short', timeStyle: 'short' }).format(at);
  } catch {
    return new Intl.DateTimeFormat(LOCALE, { timeZone: DEFAULT_RENDER_TIME_ZONE, dateStyle: 'short', timeStyle: 'short' }).format(at);
  }
}

/** The variables' values for one event; a missing value is the empty string. */
function variableValues(event: CanonicalEvent, ctx: RenderContext, link: (url: string) => string): (name: string) => string {
  const a = event.artefacts ?? {};
  const name = event.customer?.name?.trim() ?? '';
  const raw: Record<string, string | null | undefined> = {
    name,
    first_name: name.split(/\s+/)[0] ?? '',
    store_name: ctx.storeName,
    product: event.product,
    value: event.amount ? formatMoney(event.amount) : '',
    order_id: event.orderId,
    boleto_url: a.boletoUrl,
    boleto_line: a.boletoLine,
    // A date alone is a calendar day (no zone to convert); a date-time is shown in the customer's zone.
    due_date: a.dueAt ? (/^\d{4}-\d{2}-\d{2}$/.test(a.dueAt) ? a.dueAt.split('-').reverse().join('/') : formatDate(a.dueAt, ctx.timeZone ?? DEFAULT_RENDER_TIME_ZONE)) : '',
    pix_code: a.pixCode,
    pix_expires_at: a.pixExpiresAt ? formatDate(a.pixExpiresAt, ctx.timeZone ?? DEFAULT_RENDER_TIME_ZONE) : '',
    payment_link: a.paymentUrl,
    checkout_url: a.checkoutUrl,
    tracking_code: a.trackingCode,
    tracking_url: a.trackingUrl,
  };
  return (variable) => {
    let value: string | null | undefined;
    if (variable.startsWith(CUSTOM_VARIABLE_PREFIX)) value = event.variables?.[variable.slice(CUSTOM_VARIABLE_PREFIX.length)];
    else if (Object.hasOwn(raw, variable)) value = raw[variable];
    const text = stripBraces(String(value ?? '').trim());
    if (text && URL_VARIABLES.has(variable)) return isHttpUrl(text) ? link(text) : '';
    return text;
  };
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** A reply button's id: its text in capitals without accents (replies are matched as keywords), else its position. */
function replyId(text: string, index: number, taken: Set<string>): string {
  const slug = text.normalize('NFD').replace(/\p{M}/gu, '').toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 60);
  let id = slug || `BUTTON_${index + 1}`;
  if (taken.has(id)) id = `${id}_${index + 1}`;
  taken.add(id);
  return id;
}

/**
 * A store template filled for one event, as recado's channel-neutral content: header, body and
 * footer as the text (the header also the e-mail subject), buttons in order (url buttons through
 * `ctx.link`), and — when linked to a Meta template — that template with the body's variables as
 * its positional parameters, in the order they appear. No `{{…}}` ever reaches the output.
 */
export function renderStoreTemplate(template: StoreTemplateRow, event: CanonicalEvent, ctx: RenderContext): MessageContent {
  const linked = new Map<string, string>();
  // One tracked link per URL per message, however often the template repeats it.
  const link = (url: string) => {
    if (!linked.has(url)) linked.set(url, ctx.link(url));
    return linked.get(url)!;
  };
  const valueOf = variableValues(event, ctx, link);
  // Spaces around an empty value collapse to one.
  const fill = (text: string | undefined) => (text ? stripBraces(fillPlaceholders(text, valueOf)).replace(/ {2,}/g, ' ').trim() : '');
  const { content } = template;
  const header = fill(content.header);
  const body = fill(content.body);
  const footer = fill(content.footer);

  const buttons: NonNullable<MessageContent['buttons']> = [];
  const taken = new Set<string>();
  (content.buttons ?? []).forEach((b, i) => {
    const title = fill(b.text);
    if (!title) return;
    if (b.type === 'url') {
      const url = fill(b.url);
      // A URL button whose link the event did not carry is left out rather than sent broken.
      if (!url || !isHttpUrl(url)) return;
      // A whole-URL variable is tracked already; a URL written in the template is tracked here.
      const whole = placeholders(b.url.trim());
      const tracked = whole.length === 1 && whole[0].start === 0 && whole[0].end === b.url.trim().length && URL_VARIABLES.has(whole[0].name);
      buttons.push({ id: `LINK_${i + 1}`, title, url: tracked ? url : link(url) });
      return;
    }
    buttons.push({ id: replyId(title, i, taken), title });
  });

  const result: MessageContent = {
    text: [header, body, footer].filter(Boolean).join('\n\n'),
    subject: header || ctx.storeName,
    ...(buttons.length ? { buttons } : {}),
  };
  if (template.meta_template) {
    const parameters = placeholders(content.body).map((p) => valueOf(p.name));
    const { name, language } = template.meta_template;
    const names = namedParametersOf(template.meta_template);
    result.template = names
      ? { name, language, named_parameters: names.map((n, i) => ({ name: n, text: parameters[i] ?? '' })) }
      : { name, language, ...(parameters.length ? { parameters } : {}) };
  }
  return result;
}

/**
 * A NAMED Meta template's body names ({{first_name}}), in the order they first appear: the
 * store's variables fill them in that order, as they fill a positional template's {{1}}, {{2}}.
 * Null for a positional template, or one whose definition was never synced.
 */
function namedParametersOf(meta: NonNullable<StoreTemplateRow['meta_template']>): string[] | null {
  if (meta.parameter_format !== 'NAMED') return null;
  const body = (meta.components ?? []).find((c) => String((c as { type?: unknown })?.type).toUpperCase() === 'BODY') as { text?: unknown } | undefined;
  if (typeof body?.text !== 'string') return null;
  return [...new Set([...body.text.matchAll(/\{\{\s*([a-z0-9_]+)\s*\}\}/g)].map((m) => m[1]))];
}
