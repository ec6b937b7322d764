import { InvalidFieldError } from '../../common/errors';
import { REPLY_BUTTON_TITLE_MAX, REPLY_BUTTONS_MAX } from '../../channels/whatsapp/whatsapp.driver';
import type { CanonicalEventType } from '../../stores/canonical-event';
import { FUNNELS, type TemplateCategory, type TemplateContent } from '../model';
import { checkVariables, placeholders, URL_VARIABLES } from './template-variables';

/**
 * WhatsApp's published template limits (developers.facebook.com … whatsapp/templates/components):
 * body ≤ 1024 characters, text header ≤ 60 with at most one parameter, footer ≤ 60 without
 * parameters, URL buttons ≤ 2000 characters. Reply buttons (≤ 3, titles ≤ 20) are the interactive
 * message's limits, shared with the WhatsApp driver: the same content goes out free-form inside
 * the 24 h window.
 */
export const TEMPLATE_LIMITS = {
  bodyMax: 1024,
  headerMax: 60,
  headerVariablesMax: 1,
  footerMax: 60,
  buttonsMax: REPLY_BUTTONS_MAX,
  buttonTextMax: REPLY_BUTTON_TITLE_MAX,
  urlMax: 2000,
} as const;

/** Funnels have a handful of steps; the bound keeps nonsense out of the int column. */
export const TEMPLATE_STEP_MAX = 99;
export const TEMPLATE_WEIGHT_MAX = 1000;
export const TEMPLATE_VARIANT = /^[A-Za-z0-9_-]{1,20}$/;
export const TEMPLATE_CATEGORIES = ['marketing', 'utility'] as const satisfies readonly TemplateCategory[];

/** A template as a request gives it (shape already checked by the DTO, or not at all). */
export interface StoreTemplateInput {
  event_type: string;
  step?: number | null;
  variant?: string | null;
  weight?: number | null;
  enabled?: boolean | null;
  category: string;
  content: {
    header?: string | null;
    body: string;
    footer?: string | null;
    buttons?: Array<{ type: string; text: string; url?: string | null }> | null;
  };
  meta_template?: { name: string; language: string } | null;
}

/** What is stored: defaults applied, texts trimmed, empty optional texts dropped. */
export interface ValidStoreTemplate {
  event_type: CanonicalEventType;
  step: number | null;
  variant: string;
  weight: number;
  enabled: boolean;
  category: TemplateCategory;
  content: TemplateContent;
  meta_template: { name: string; language: string } | null;
}

const chars = (s: string) => [...s].length;

function text(value: unknown, field: string, { required = false } = {}): string | undefined {
  if (value === undefined || value === null) {
    if (required) throw new InvalidFieldError(field, 'is required');
    return undefined;
  }
  if (typeof value !== 'string') throw new InvalidFieldError(field, 'must be a string');
  // Postgres cannot store NUL in text or jsonb.
  if (value.includes('\u0000')) throw new InvalidFieldError(field, 'must not contain NUL characters');
  const trimmed = value.trim();
  if (trimmed === '') {
    if (required) throw new InvalidFieldError(field, 'must not be blank');
    return undefined;
  }
  return trimmed;
}

function maxChars(value: string, max: number, field: string, what: string): void {
  if (chars(value) > max) throw new InvalidFieldError(field, `has ${chars(value)} characters; WhatsApp allows at most ${max} in ${what}`);
}

function checkUrl(url: string, field: string): void {
  maxChars(url, TEMPLATE_LIMITS.urlMax, field, 'a URL button');
  const found = placeholders(url);
  // The whole URL from the event (payment link, tracking URL…): an http(s) URL once filled.
  if (found.length === 1 && found[0].start === 0 && found[0].end === url.length && URL_VARIABLES.has(found[0].name)) return;
  let parsed: URL;
  try {
    parsed = new URL(url.replace(/\{\{[^{}]*\}\}/g, 'x'));
  } catch {
    throw new InvalidFieldError(field, 'must be an http(s) URL (or a URL variable such as {{payment_link}})');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new InvalidFieldError(field, 'must be an http(s) URL');
}

function checkContent(content: StoreTemplateInput['content'], eventType: string): TemplateContent {
  if (typeof content !== 'object' || content === null || Array.isArray(content)) throw new InvalidFieldError('content', 'must be an object');
  const body = text(content.body, 'content.body', { required: true })!;
  maxChars(body, TEMPLATE_LIMITS.bodyMax, 'content.body', 'a template body');
  checkVariables(body, 'content.body', eventType);

  const header = text(content.header, 'content.header');
  if (header !== undefined) {
    maxChars(header, TEMPLATE_LIMITS.headerMax, 'content.header', 'a text header');
    if (checkVariables(header, 'content.header', eventType).length > TEMPLATE_LIMITS.headerVariablesMax) {
      throw new InvalidFieldError('content.header', `WhatsApp allows at most ${TEMPLATE_LIMITS.headerVariablesMax} variable in a header`);
    }
  }
  const footer = text(content.footer, 'content.footer');
  if (footer !== undefined) {
    maxChars(footer, TEMPLATE_LIMITS.footerMax, 'content.footer', 'a footer');
    if (checkVariables(footer, 'content.footer', eventType).length) throw new InvalidFieldError('content.footer', 'WhatsApp footers take no variables');
  }

  const buttons: NonNullable<TemplateContent['buttons']> = [];
  const given = content.buttons ?? [];
  if (!Array.isArray(given)) throw new InvalidFieldError('content.buttons', 'must be an array');
  const replies = given.filter((b) => b?.type === 'reply').length;
  if (replies > TEMPLATE_LIMITS.buttonsMax) throw new InvalidFieldError('content.buttons', `has ${replies} reply buttons; WhatsApp allows at most ${TEMPLATE_LIMITS.buttonsMax}`);
  // Inside the 24 h window every button goes out as an interactive reply button, three at most.
  if (given.length > TEMPLATE_LIMITS.buttonsMax) throw new InvalidFieldError('content.buttons', `has ${given.length} buttons; WhatsApp shows at most ${TEMPLATE_LIMITS.buttonsMax}`);
  const seen = new Set<string>();
  given.forEach((b, i) => {
    const at = `content.buttons[${i}]`;
    if (typeof b !== 'object' || b === null) throw new InvalidFieldError(at, 'must be an object');
    if (b.type !== 'reply' && b.type !== 'url') throw new InvalidFieldError(`${at}.type`, 'must be reply or url');
    const label = text(b.text, `${at}.text`, { required: true })!;
    maxChars(label, TEMPLATE_LIMITS.buttonTextMax, `${at}.text`, 'a button text');
    if (placeholders(label).length || label.includes('{{') || label.includes('}}')) throw new InvalidFieldError(`${at}.text`, 'WhatsApp button texts take no variables');
    if (seen.has(label.toLowerCase())) throw new InvalidFieldError(`${at}.text`, 'repeats another button; WhatsApp needs distinct button texts');
    seen.add(label.toLowerCase());
    if (b.type === 'reply') {
      if (b.url !== undefined && b.url !== null) throw new InvalidFieldError(`${at}.url`, 'is only for url buttons');
      buttons.push({ type: 'reply', text: label });
      return;
    }
    const url = text(b.url, `${at}.url`, { required: true })!;
    checkVariables(url, `${at}.url`, eventType);
    checkUrl(url, `${at}.url`);
    buttons.push({ type: 'url', text: label, url });
  });

  return { ...(header !== undefined ? { header } : {}), body, ...(footer !== undefined ? { footer } : {}), ...(buttons.length ? { buttons } : {}) };
}

/**
 * A store template checked against WhatsApp's limits and recado's variables, with defaults
 * (variant A, weight 1, enabled, every step). Throws InvalidFieldError naming the exact field.
 */
export function validateStoreTemplate(input: StoreTemplateInput): ValidStoreTemplate {
  // Events that feed another event's funnel use its templates (boleto_printed → boleto_issued, order_paid → payment_approved).
  if (!(FUNNELS as readonly string[]).includes(input.event_type)) {
    throw new InvalidFieldError('event_type', `must be one of ${FUNNELS.join(', ')} (the funnels; boleto_printed uses boleto_issued's templates, order_paid payment_approved's)`);
  }
  const eventType = input.event_type as CanonicalEventType;
  const step = input.step ?? null;
  if (step !== null && (!Number.isInteger(step) || step < 0 || step > TEMPLATE_STEP_MAX)) {
    throw new InvalidFieldError('step', `must be a whole number from 0 to ${TEMPLATE_STEP_MAX}, or null for every step`);
  }
  const variant = input.variant ?? 'A';
  if (typeof variant !== 'string' || !TEMPLATE_VARIANT.test(variant)) throw new InvalidFieldError('variant', 'must be 1 to 20 letters, digits, _ or -');
  const weight = input.weight ?? 1;
  if (!Number.isInteger(weight) || weight < 0 || weight > TEMPLATE_WEIGHT_MAX) throw new InvalidFieldError('weight', `must be a whole number from 0 to ${TEMPLATE_WEIGHT_MAX}`);
  const enabled = input.enabled ?? true;
  if (typeof enabled !== 'boolean') throw new InvalidFieldError('enabled', 'must be true or false');
  if (!(TEMPLATE_CATEGORIES as readonly string[]).includes(input.category)) throw new InvalidFieldError('category', `must be ${TEMPLATE_CATEGORIES.join(' or ')}`);
  const content = checkContent(input.content, eventType);

  let meta: ValidStoreTemplate['meta_template'] = null;
  if (input.meta_template !== undefined && input.meta_template !== null) {
    const name = text(input.meta_template.name, 'meta_template.name', { required: true })!;
    if (!/^[a-z0-9_]{1,512}$/.test(name)) throw new InvalidFieldError('meta_template.name', 'must be the template name: lower-case letters, digits and _');
    const language = text(input.meta_template.language, 'meta_template.language', { required: true })!;
    if (!/^[a-z]{2,3}(_[A-Z]{2})?$/.test(language)) throw new InvalidFieldError('meta_template.language', 'must be a template language code such as pt_BR');
    meta = { name, language };
  }
  return { event_type: eventType, step, variant, weight, enabled, category: input.category as TemplateCategory, content, meta_template: meta };
}

/** A message template as Meta's `GET /{waba-id}/message_templates` lists it. */
export interface MetaTemplateListing {
  name: string;
  language: string;
  status?: string;
  category?: string;
  components?: unknown[];
  /** POSITIONAL ({{1}}, Meta's default) or NAMED ({{first_name}}). */
  parameter_format?: string;
}

/** Meta's category for recado's: the one a linked template must have. */
const META_CATEGORY: Record<TemplateCategory, string> = { marketing: 'MARKETING', utility: 'UTILITY' };

/**
 * A linked Meta template must exist, be APPROVED, have the template's category, and take as many
 * body parameters as the body has variables (they fill {{1}}, {{2}}… in order).
 */
export function checkMetaTemplate(found: MetaTemplateListing | undefined, template: ValidStoreTemplate): void {
  const ref = template.meta_template;
  if (!ref) return;
  if (!found) throw new InvalidFieldError('meta_template.name', `no Meta template ${ref.name} in ${ref.language} for the store's WhatsApp Business account`);
  if (found.status !== 'APPROVED') {
    throw new InvalidFieldError('meta_template.name', `Meta template ${ref.name} (${ref.language}) is ${found.status ?? 'of unknown status'}, not APPROVED`);
  }
  if (found.category !== META_CATEGORY[template.category]) {
    throw new InvalidFieldError('category', `is ${template.category} but Meta template ${ref.name} is ${found.category ?? 'without a category'}`);
  }
  const metaBody = (found.components ?? []).find((c): c is { text?: unknown } => typeof c === 'object' && c !== null && String((c as { type?: unknown }).type).toUpperCase() === 'BODY');
  const expected = typeof metaBody?.text === 'string' ? new Set(metaBody.text.match(/\{\{[^{}]+\}\}/g) ?? []).size : 0;
  const given = placeholders(template.content.body).length;
  if (expected !== given) {
    const order = found.parameter_format === 'NAMED' ? "in the order of its body's names" : 'in order';
    throw new InvalidFieldError('content.body', `has ${given} variables but Meta template ${ref.name} takes ${expected} body parameters (filled ${order})`);
  }
}
