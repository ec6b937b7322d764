import type { StoreTemplateRow } from '../model';

/**
 * 32-bit FNV-1a with a murmur3 finaliser: a stable, well-spread hash with no Node import, so the
 * split is the same in any process (and would be inside a workflow too).
 */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The template a funnel step sends, or undefined when it sends nothing.
 *
 * The step's own templates win over the event's every-step templates (step null). A step whose own
 * templates are all disabled (or weigh 0) is silenced rather than falling back: disabling a
 * template silences what it was for. Among the enabled variants the split is weighted and
 * deterministic — a hash of (contact, event, step) — so a contact always gets the same variant.
 */
export function pickTemplate(templates: StoreTemplateRow[], at: { eventType: string; step: number; contactId: string }): StoreTemplateRow | undefined {
  const ofEvent = templates.filter((t) => t.event_type === at.eventType);
  const own = ofEvent.filter((t) => t.step === at.step);
  const candidates = (own.length ? own : ofEvent.filter((t) => t.step === null))
    .filter((t) => t.enabled && t.weight > 0)
    // Variant order, not row order: the split must not depend on how the rows were read.
    .sort((a, b) => (a.variant < b.variant ? -1 : a.variant > b.variant ? 1 : a.id < b.id ? -1 : 1));
  if (candidates.length <= 1) return candidates[0];
  const total = candidates.reduce((sum, t) => sum + t.weight, 0);
  let point = (hash32(`${at.contactId}\u0000${at.eventType}\u0000${at.step}`) / 2 ** 32) * total;
  for (const t of candidates) {
    if (point < t.weight) return t;
    point -= t.weight;
  }
  return candidates[candidates.length - 1];
}
