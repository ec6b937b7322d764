import { InvalidFieldError } from '../../common/errors';

/**
 * The `{{variables}}` a store template may use, filled from the canonical event when a message is
 * rendered (render-template.ts). `custom` events add `var.<key>` for the automation's variables.
 */
export const TEMPLATE_VARIABLES = [
  'name',
  'first_name',
  'store_name',
  'product',
  'value',
  'order_id',
  'boleto_url',
  'boleto_line',
  'due_date',
  'pix_code',
  'pix_expires_at',
  'payment_link',
  'checkout_url',
  'tracking_code',
  'tracking_url',
] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];

/** Variables holding a URL: they go out through the click-tracking redirect. */
export const URL_VARIABLES: ReadonlySet<string> = new Set<TemplateVariable>(['boleto_url', 'payment_link', 'checkout_url', 'tracking_url']);

export const CUSTOM_VARIABLE_PREFIX = 'var.';
const CUSTOM_KEY = /^var\.[A-Za-z0-9_]{1,64}$/;

/** `{{ name }}`: spaces inside the braces are tolerated. */
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

export interface Placeholder {
  name: string;
  /** Where the `{{…}}` starts and ends in the text. */
  start: number;
  end: number;
}

/** Every `{{…}}` of a text, in order. */
export function placeholders(text: string): Placeholder[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => ({ name: m[1], start: m.index, end: m.index + m[0].length }));
}

/** Replaces every `{{…}}` by `valueOf(name)`, in one pass (values are never scanned for variables). */
export function fillPlaceholders(text: string, valueOf: (name: string) => string): string {
  return text.replace(PLACEHOLDER, (_whole, name: string) => valueOf(name));
}

/**
 * The text's variables, checked: balanced braces, known names (`var.<key>` only for `custom`
 * events). Throws InvalidFieldError naming the field and the variable.
 */
export function checkVariables(text: string, field: string, eventType: string): Placeholder[] {
  const found = placeholders(text);
  for (const p of found) {
    if (p.name === '') throw new InvalidFieldError(field, 'has an empty variable {{}}');
    if ((TEMPLATE_VARIABLES as readonly string[]).includes(p.name)) continue;
    if (CUSTOM_KEY.test(p.name)) {
      if (eventType === 'custom') continue;
      throw new InvalidFieldError(field, `variable {{${p.name}}}: var.<key> variables exist only for custom events`);
    }
    throw new InvalidFieldError(field, `unknown variable {{${p.name}}}; known: ${TEMPLATE_VARIABLES.join(', ')}${eventType === 'custom' ? ', var.<key>' : ''}`);
  }
  const rest = text.replace(PLACEHOLDER, '');
  if (rest.includes('{{') || rest.includes('}}')) {
    throw new InvalidFieldError(field, 'has unbalanced braces: write variables as {{name}}');
  }
  return found;
}

/** Whatever `{{` or `}}` is left (a value that carried braces, a row saved by hand): never sent. */
export function stripBraces(text: string): string {
  let out = text;
  for (let before = ''; before !== out; ) {
    before = out;
    out = out.replace(/\{\{|\}\}/g, '');
  }
  return out;
}
