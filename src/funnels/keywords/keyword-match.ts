import type { StoreRules } from '../model';

/**
 * Reply keywords: a customer's reply matches a configured word when the whole text (or the title
 * of the quick-reply button pressed) is that word, ignoring case, accents, repeated spaces and
 * punctuation around it: "nao fui eu" and "Não fui eu!" both match "NÃO FUI EU".
 */
export function normaliseKeyword(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/\s+/gu, ' ')
    .trim()
    .replace(/^[\p{P}\p{S}\s]+|[\p{P}\p{S}\s]+$/gu, '');
}

export interface ReplyText {
  /** What the customer typed or the button's title. */
  text: string;
  button: boolean;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});

/**
 * The texts of an inbound message as each channel stores it: WhatsApp's message object (text,
 * template quick-reply `button`, interactive `button_reply` / `list_reply`), Telegram's message
 * or pressed button, the app's reply, an e-mail's text (and its first line, above any quote).
 */
export function replyTexts(channel: string, type: string, body: unknown): ReplyText[] {
  const b = obj(body);
  const out: ReplyText[] = [];
  const add = (text: unknown, button: boolean) => {
    const t = str(text);
    if (t !== undefined && !out.some((o) => o.text === t)) out.push({ text: t, button });
  };
  const interactive = obj(b.interactive);
  add(obj(b.button).text, true);
  add(obj(b.button).title, true);
  add(obj(interactive.button_reply).title, true);
  add(obj(interactive.list_reply).title, true);
  add(obj(b.text).body, false);
  add(b.text, type === 'button');
  if (channel === 'email' && typeof b.text === 'string') add(b.text.split(/\r?\n/).find((l) => l.trim() !== ''), false);
  return out;
}

export interface KeywordMatch {
  /** The configured word as the store wrote it. */
  keyword: string;
  matchedText: string;
  callbackUrl: string | null;
  openConversation: boolean;
}

/** The first configured keyword one of the reply's texts is; undefined for none. */
export function matchKeyword(rules: StoreRules & { callback_url?: string }, texts: ReplyText[]): KeywordMatch | undefined {
  const candidates = texts.map((t) => ({ ...t, normalised: normaliseKeyword(t.text) })).filter((t) => t.normalised !== '');
  for (const entry of Array.isArray(rules.keywords) ? rules.keywords : []) {
    for (const word of Array.isArray(entry?.words) ? entry.words : []) {
      if (typeof word !== 'string') continue;
      const hit = candidates.find((c) => c.normalised === normaliseKeyword(word));
      if (!hit) continue;
      const url = str(entry.callback_url) ?? str(rules.callback_url) ?? null;
      return { keyword: word, matchedText: hit.text, callbackUrl: url, openConversation: entry.open_conversation !== false };
    }
  }
  return undefined;
}
