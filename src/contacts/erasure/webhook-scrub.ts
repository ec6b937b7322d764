/**
 * What an erasure does to one stored webhook delivery that names the erased contact.
 *
 * A Meta delivery batches events of several customers (entry[].changes[].value.{contacts,
 * messages, statuses, calls}[]). Deleting the whole delivery would lose the other customers'
 * raw events (and a pending one would never be applied); replacing only the identity values
 * would keep the erased customer's profile name, message texts and media ids. So the delivery
 * is rewritten without the events that name the contact, and deleted when nothing else is left,
 * when it is not a Meta-shaped JSON body (an `invalid` delivery: nothing worth keeping), or when
 * the rewritten body would still name the contact anywhere.
 */

export type WebhookScrub = { action: 'keep' } | { action: 'rewrite'; body: string } | { action: 'delete' };

/** Digits of a phone identity as Meta writes them (wa_id, `from`, `recipient_id`): at least this many. */
const MIN_PHONE_DIGITS = 8;

/** The strings whose presence means a text names the contact: each identity value, and a phone's digits. */
export function identityTerms(identities: { kind: string; value: string }[]): string[] {
  const terms = new Set<string>();
  for (const { kind, value } of identities) {
    terms.add(value);
    if (kind === 'phone' || kind === 'whatsapp') {
      const digits = value.replace(/\D/g, '');
      if (digits.length >= MIN_PHONE_DIGITS) terms.add(digits);
    }
  }
  return [...terms].filter((t) => t.length > 0);
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export function scrubWebhookBody(raw: string, terms: string[]): WebhookScrub {
  const names = (v: unknown): boolean => {
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    return terms.some((t) => text.includes(t));
  };
  if (!names(raw)) return { action: 'keep' };
  let payload: unknown;
  try {
    payload = JSON.parse(raw);
  } catch {
    return { action: 'delete' };
  }
  if (!isObject(payload) || !Array.isArray(payload.entry)) return { action: 'delete' };

  const entries: unknown[] = [];
  for (const entry of payload.entry) {
    if (!names(entry)) {
      entries.push(entry);
      continue;
    }
    if (!isObject(entry) || !Array.isArray(entry.changes)) continue;
    const changes = entry.changes.flatMap((change: unknown) => scrubChange(change, names));
    if (changes.length > 0) entries.push({ ...entry, changes });
  }
  if (entries.length === 0) return { action: 'delete' };
  const body = JSON.stringify({ ...payload, entry: entries });
  return names(body) ? { action: 'delete' } : { action: 'rewrite', body };
}

/** The change without the array elements naming the contact; none when nothing of others is left. */
function scrubChange(change: unknown, names: (v: unknown) => boolean): unknown[] {
  if (!names(change)) return [change];
  if (!isObject(change) || !isObject(change.value)) return [];
  const value: Json = {};
  let kept = 0;
  for (const [key, field] of Object.entries(change.value)) {
    if (!Array.isArray(field)) {
      value[key] = field;
      continue;
    }
    const others = field.filter((element) => !names(element));
    if (others.length > 0) value[key] = others;
    kept += others.length;
  }
  // `contacts` alone (profiles) is not an event: without messages, statuses or calls it goes too.
  const events = Object.entries(value).filter(([key, field]) => key !== 'contacts' && Array.isArray(field));
  if (kept === 0 || events.length === 0 || names(value)) return [];
  return [{ ...change, value }];
}
