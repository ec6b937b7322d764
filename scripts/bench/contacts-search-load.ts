import { FIRST, REGIONS, STATUSES, SURNAMES, TAGS } from './contacts-seed';
import { sleep } from './stats';

/**
 * The searches an agent console runs while the updates flow: free text (a name, a surname, part
 * of a phone number or an order number), three or more filters
 * (status, reachability, custom attributes, tags), a sort and a page — through the API, open
 * loop (a search starts on schedule whether or not the previous one answered).
 */
const pick = <T>(values: readonly T[]): T => values[Math.floor(Math.random() * values.length)];

export function randomSearch(): string {
  const p = new URLSearchParams();
  p.set('q', freeText());
  p.set('status', `${pick(STATUSES)},${pick(STATUSES)}`);
  p.append('reachable', 'whatsapp');
  p.append('attr', `region:${pick(REGIONS)}`);
  const r = Math.random();
  if (r < 0.33) p.append('attr', 'vip:true');
  else if (r < 0.66) p.append('attr', 'renewal_at:2026-06-01..2027-06-01');
  else p.append('tag', pick(TAGS));
  p.set('sort', pick(['quote_value:desc', 'updated_at:desc', 'attr.score:desc', 'name:asc']));
  p.set('per_page', '20');
  return p.toString();
}

function freeText(): string {
  const r = Math.random();
  if (r < 0.4) return `${pick(FIRST)} ${pick(SURNAMES)}`;
  if (r < 0.6) return pick(SURNAMES);
  // Eight digits of a mobile number, or an order number, as people paste them.
  if (r < 0.8) return `9${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
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
      const res = await fetch(`${api}/v1/contacts/search?${randomSearch()}`, { headers: { authorization: `Bearer ${key}` } });
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
