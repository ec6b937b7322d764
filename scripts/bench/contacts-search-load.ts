import { FIRST, REGIONS, STATUSES, SURNAMES, TAGS } from './contacts-seed';
import { sleep } from './stats';

/**
 * The searches an agent console runs while the updates flow: free text (a name, a surname, a
 * phone number as typed locally or an order number), three or more filters, a sort and a page —
 * through the API, open loop (a search starts on schedule whether or not the previous one answered).
 */
const pick = <T>(values: readonly T[]): T => values[Math.floor(Math.random() * values.length)];

/**
 * An agent's search: free text, then at least three filters — their own customers, a status,
 * and one of reachability, a tag, a region, VIP, a quote range or a renewal window — and a sort.
 */
export function randomSearch(agents: string[]): string {
  const p = new URLSearchParams();
  p.set('q', freeText());
  p.set('assigned_agent_id', pick(agents));
  p.set('status', pick(STATUSES));
  const third = pick([
    () => p.append('reachable', 'whatsapp'),
    () => p.append('tag', pick(TAGS)),
    () => p.append('attr', `region:${pick(REGIONS)}`),
    () => p.append('attr', 'vip:true'),
    () => (p.set('quote_value_min', '1000'), p.set('quote_value_max', '20000')),
    () => p.append('attr', 'renewal_at:2026-06-01..2027-06-01'),
  ]);
  third();
  p.set('sort', pick(['updated_at:desc', 'quote_value:desc', 'attr.score:desc', 'name:asc']));
  p.set('per_page', '20');
  return p.toString();
}

function freeText(): string {
  const r = Math.random();
  if (r < 0.4) return `${pick(FIRST)} ${pick(SURNAMES)}`;
  if (r < 0.55) return pick(SURNAMES);
  // A mobile number as typed locally, or an order number as pasted.
  if (r < 0.8) return `9${String(Math.floor(Math.random() * 1e4)).padStart(4, '0')}-${String(Math.floor(Math.random() * 1e4)).padStart(4, '0')}`;
  return `PED-${100_000 + Math.floor(Math.random() * 900_000)}`;
}

export interface SearchSample {
  /** client-observed, ms */
  latency: number;
  /** Typesense's own search time, ms */
  server: number;
  found: number;
}

export async function runSearches(
  api: string,
  key: string,
  agents: string[],
  perSecond: number,
  until: () => boolean,
): Promise<{ samples: SearchSample[]; errors: number; firstError?: string }> {
  const samples: SearchSample[] = [];
  const inFlight = new Set<Promise<void>>();
  let errors = 0;
  let firstError: string | undefined;
  const one = async () => {
    const started = performance.now();
    try {
      const res = await fetch(`${api}/v1/contacts/search?${randomSearch(agents)}`, { headers: { authorization: `Bearer ${key}` } });
      const body = (await res.json()) as { found?: number; search_time_ms?: number; message?: unknown };
      if (!res.ok) throw new Error(`search → ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
      samples.push({ latency: performance.now() - started, server: body.search_time_ms ?? 0, found: body.found ?? 0 });
    } catch (err) {
      errors++;
      firstError ??= err instanceof Error ? err.message : String(err);
    }
  };
  const interval = 1000 / perSecond;
  let next = performance.now();
  while (!until()) {
    const p = one();
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    next += interval;
    await sleep(Math.max(0, next - performance.now()));
  }
  await Promise.all([...inFlight]);
  return { samples, errors, firstError };
}
