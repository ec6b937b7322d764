/** The part of a thread message the agent reads, whatever its channel and direction. */
type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const words = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

/**
 * The words of a message as stored (`body`: the provider request sent, or the message the provider
 * delivered): WhatsApp's text.body or a caption, Telegram's and the app's text, an e-mail's text or
 * subject, a tapped button's title; a template by its name and parameters (the thread shows its
 * rendered_template instead when the API has one); else undefined (the view shows the type).
 */
export function messageText(type: string, body: unknown): string | undefined {
  const b = isObject(body) ? body : {};
  const typed = isObject(b[type]) ? (b[type] as Json) : {};
  const interactive = isObject(b.interactive) ? (b.interactive as Json) : {};
  const reply = [interactive.button_reply, interactive.list_reply].find(isObject);
  const button = isObject(b.button) ? (b.button as Json) : {};
  return (
    words(b.text) ??
    (isObject(b.text) ? words(b.text.body) : undefined) ??
    words(typed.caption) ??
    words(typed.body) ??
    words(b.caption) ??
    words(reply?.title) ??
    words(button.title) ??
    words(button.text) ??
    words(b.subject) ??
    templateText(type === 'template' ? typed : {})
  );
}

/** `pedido_atualizado: Ana, 7` from the Cloud API's template object (its body parameters in order). */
function templateText(template: Json): string | undefined {
  const name = words(template.name);
  if (!name) return undefined;
  const components = Array.isArray(template.components) ? template.components.filter(isObject) : [];
  const parameters = components
    .flatMap((c) => (Array.isArray(c.parameters) ? c.parameters.filter(isObject) : []))
    .map((p) => words(p.text))
    .filter((p): p is string => p !== undefined);
  return parameters.length > 0 ? `${name}: ${parameters.join(', ')}` : name;
}
