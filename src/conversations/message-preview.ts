/** Long enough for an inbox line on any screen; the thread has the whole message. */
export const PREVIEW_MAX_CHARS = 160;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

/**
 * The words an inbox line shows for a message, whatever its channel and direction: the content it
 * was rendered from (outbound), else what the provider's shape carries (WhatsApp's text.body or a
 * caption, Telegram's text, an e-mail's text or subject, a button's title), else its type in brackets.
 */
export function messagePreview(m: { type: string; body: unknown; content?: { text?: string } | null }): string {
  const found = text(m.content?.text) ?? fromBody(m.type, isObject(m.body) ? m.body : {});
  const flat = (found ?? `[${m.type}]`).replace(/\s+/g, ' ').trim();
  return flat.length > PREVIEW_MAX_CHARS ? `${flat.slice(0, PREVIEW_MAX_CHARS - 1)}…` : flat;
}

function fromBody(type: string, body: Json): string | undefined {
  const typed = isObject(body[type]) ? (body[type] as Json) : {};
  const interactive = isObject(body.interactive) ? (body.interactive as Json) : {};
  const reply = [interactive.button_reply, interactive.list_reply].find(isObject);
  const button = isObject(body.button) ? (body.button as Json) : {};
  const template = isObject(body.template) ? (body.template as Json) : undefined;
  return (
    text(body.text) ??
    (isObject(body.text) ? text(body.text.body) : undefined) ??
    text(typed.caption) ??
    text(body.caption) ??
    text(reply?.title) ??
    text(button.title) ??
    text(button.text) ??
    text(body.subject) ??
    (template && text(template.name) ? `[template ${String(template.name)}]` : undefined)
  );
}
