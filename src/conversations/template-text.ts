/**
 * A sent WhatsApp template as the customer read it: the approved definition's texts (components
 * as Meta returns them from message_templates) with the parameters of the send request filled in.
 *
 * Meta's two parameter formats: positional templates write {{1}}, {{2}}… and a send gives the
 * component's parameters in that order; named templates (parameter_format NAMED) write
 * {{first_name}} and a send names each parameter (parameter_name). A parameter's words are its
 * text, or the fallback_value of a currency or date_time parameter. A URL button's {{1}} is filled
 * from the button component with the same index.
 */
export interface RenderedTemplate {
  header: string | null;
  body: string;
  footer: string | null;
  buttons: RenderedTemplateButton[];
}

export interface RenderedTemplateButton {
  text: string;
  /** URL buttons: the link with its dynamic part filled in; null for other buttons. */
  url: string | null;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const objects = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObject) : []);
const upper = (v: unknown) => (typeof v === 'string' ? v.toUpperCase() : '');
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** `{{1}}` or `{{order_id}}`; Meta's names are lowercase letters, digits and underscores. */
const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

/** The words a send parameter stands for: text, or what WhatsApp shows for a currency or a date. */
function parameterWords(parameter: Json): string | null {
  if (typeof parameter.text === 'string') return parameter.text;
  for (const key of ['currency', 'date_time']) {
    const value = parameter[key];
    if (isObject(value) && typeof value.fallback_value === 'string') return value.fallback_value;
  }
  return null;
}

/**
 * `text` with each placeholder replaced by its parameter: {{n}} by the n-th, {{name}} by the one
 * whose parameter_name is name. One without a value stays as written, so a gap shows as a gap.
 */
export function fillParameters(text: string, parameters: Json[]): string {
  return text.replace(PLACEHOLDER, (whole, key: string) => {
    const parameter = /^\d+$/.test(key) ? parameters[Number(key) - 1] : parameters.find((p) => p.parameter_name === key);
    return (parameter && parameterWords(parameter)) ?? whole;
  });
}

/** The send request's parameters for one component (header, body, or the button at `index`). */
function sentParameters(sent: Json[], type: string, index?: number): Json[] {
  const component = sent.find((c) => upper(c.type) === type && (index === undefined || Number(c.index) === index));
  return objects(component?.parameters);
}

/**
 * `definition`: the template's components (HEADER, BODY, FOOTER, BUTTONS); `sentTemplate`: the
 * Cloud API `template` object that was sent. Null when the definition has no body to show.
 */
export function renderTemplate(definition: unknown, sentTemplate: unknown): RenderedTemplate | null {
  const components = objects(definition);
  const sent = objects(isObject(sentTemplate) ? sentTemplate.components : undefined);
  const byType = (type: string) => components.find((c) => upper(c.type) === type);
  const bodyText = str(byType('BODY')?.text);
  if (bodyText === null) return null;
  const header = byType('HEADER');
  // A media header (image, video, document, location) has no words; a text one may have one parameter.
  const headerText = header && (header.format === undefined || upper(header.format) === 'TEXT') ? str(header.text) : null;
  const buttons = objects(byType('BUTTONS')?.buttons).flatMap((button, index): RenderedTemplateButton[] => {
    const text = str(button.text);
    if (text === null) return [];
    const url = upper(button.type) === 'URL' && typeof button.url === 'string' ? fillParameters(button.url, sentParameters(sent, 'BUTTON', index)) : null;
    return [{ text, url }];
  });
  return {
    header: headerText === null ? null : fillParameters(headerText, sentParameters(sent, 'HEADER')),
    body: fillParameters(bodyText, sentParameters(sent, 'BODY')),
    footer: str(byType('FOOTER')?.text),
    buttons,
  };
}
