/**
 * The update load of bench:contacts, in a process of its own (as an ERP or shop integration
 * would be): contact updates at a target rate through the real API — single PATCHes and bulk
 * upserts — and, for a sample of them, the time from the API's acknowledgement (committed) to
 * the update being visible in Typesense.
 *
 * Every update sets the custom attribute `score` to a global sequence number, and a contact
 * never has two updates in flight, so the last acknowledged number is what Postgres and the
 * index must end up holding. Input: the BENCH_LOAD env var (JSON, see LoadPlan). Output: one
 * JSON line per phase on stdout, then {"type":"done"} after writing the last numbers to a file.
 */
import * as fs from 'node:fs';
import { QUOTE_STATUSES, STATUSES, TAGS } from './contacts-seed';
import { sleep } from './stats';

export interface LoadPhase {
  name: string;
  ratePerMin: number;
  durationMs: number;
}

export interface LoadPlan {
  api: string;
  key: string;
  idsFile: string;
  lastSeqFile: string;
  phases: LoadPhase[];
  typesense: { url: string; apiKey: string; collection: string };
  /** Lag probes started per second. */
  probesPerSecond: number;
  /** Share of updates sent as single PATCH requests (the rest in bulks), capped per second. */
  singleShare: number;
  singleMaxPerSecond: number;
  seqStart: number;
}

export interface PhaseReport {
  type: 'phase';
  name: string;
  target_per_min: number;
  achieved_per_min: number;
  acked: number;
  errors: number;
  first_error?: string;
  lag_ms: number[];
  probes_timed_out: number;
}

const MAX_IN_FLIGHT = 48;
const PROBE_POLL_MS = 50;
const PROBE_TIMEOUT_MS = 30_000;
const TICK_MS = 50;

const pick = <T>(values: readonly T[]): T => values[Math.floor(Math.random() * values.length)];

async function main() {
  const plan = JSON.parse(process.env.BENCH_LOAD ?? '') as LoadPlan;
  const ids = fs.readFileSync(plan.idsFile, 'utf8').split('\n').filter(Boolean);
  const hot = ids.slice(0, Math.max(1, Math.floor(ids.length / 100)));
  const busy = new Set<string>();
  const lastSeq = new Map<string, number>();
  let seq = plan.seqStart;
  let inFlight = 0;

  const headers = { authorization: `Bearer ${plan.key}`, 'content-type': 'application/json' };
  const send = async (method: string, path: string, body: unknown) => {
    const res = await fetch(`${plan.api}${path}`, { method, headers, body: JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as { results?: { index: number; status: string }[] };
  };

  /** A contact with no update in flight: one in five updates goes to the hottest 1 %. */
  const chooseContact = (): string | undefined => {
    for (let tries = 0; tries < 8; tries++) {
      const id = Math.random() < 0.2 ? pick(hot) : pick(ids);
      if (!busy.has(id)) return id;
    }
    return undefined;
  };
  const change = (n: number): Record<string, unknown> => {
    const update: Record<string, unknown> = { attributes: { score: n } };
    const r = Math.random();
    if (r < 0.3) update.status = pick(STATUSES);
    else if (r < 0.55) Object.assign(update, { quote_value: Math.round(Math.random() * 5_000_000) / 100, quote_status: pick(QUOTE_STATUSES) });
    else if (r < 0.75) update.erp_synced_at = new Date().toISOString();
    else if (r < 0.9) update.tags = [pick(TAGS), pick(TAGS)].filter((t, i, a) => a.indexOf(t) === i);
    return update;
  };

  const probe = async (id: string, n: number, ackedAt: number, report: PhaseReport) => {
    const url = `${plan.typesense.url}/collections/${plan.typesense.collection}/documents/${id}`;
    const tsHeaders = { 'x-typesense-api-key': plan.typesense.apiKey };
    while (Date.now() - ackedAt < PROBE_TIMEOUT_MS) {
      const res = await fetch(url, { headers: tsHeaders }).catch(() => undefined);
      if (res?.ok) {
        const doc = (await res.json()) as { ca_score_n?: number };
        if ((doc.ca_score_n ?? 0) >= n) {
          report.lag_ms.push(Date.now() - ackedAt);
          return;
        }
      }
      await sleep(PROBE_POLL_MS);
    }
    report.probes_timed_out++;
  };

  const fail = (report: PhaseReport, err: unknown) => {
    report.errors++;
    report.first_error ??= err instanceof Error ? err.message : String(err);
  };

  for (const phase of plan.phases) {
    console.log(JSON.stringify({ type: 'phase-start', name: phase.name }));
    const report: PhaseReport = { type: 'phase', name: phase.name, target_per_min: phase.ratePerMin, achieved_per_min: 0, acked: 0, errors: 0, lag_ms: [], probes_timed_out: 0 };
    const probes: Promise<void>[] = [];
    const requests = new Set<Promise<void>>();
    const started = Date.now();
    const endAt = started + phase.durationMs;
    const bulkSize = Math.max(20, Math.min(200, Math.round(phase.ratePerMin / 600)));
    let due = 0;
    let sent = 0;
    let singlesThisSecond = 0;
    let second = Math.floor(started / 1000);
    let nextProbeAt = started;
    let pendingBulk: { id: string; n: number }[] = [];

    /** Probes are spread evenly in time over single and bulk updates. */
    const takeProbe = (): boolean => {
      const now = Date.now();
      if (now < nextProbeAt) return false;
      nextProbeAt = now + 1000 / plan.probesPerSecond;
      return true;
    };
    const track = (promise: Promise<void>) => {
      inFlight++;
      requests.add(promise);
      void promise.finally(() => {
        inFlight--;
        requests.delete(promise);
      });
    };
    const flushBulk = () => {
      const items = pendingBulk;
      pendingBulk = [];
      if (!items.length) return;
      const probed = takeProbe();
      track(
        send('POST', '/v1/contacts/bulk', { contacts: items.map(({ id, n }) => ({ id, ...change(n) })) })
          .then((body) => {
            const failed = new Set((body.results ?? []).filter((r) => r.status === 'failed').map((r) => r.index));
            items.forEach(({ id, n }, index) => {
              if (failed.has(index)) fail(report, new Error(`bulk item ${index} failed`));
              else {
                lastSeq.set(id, n);
                report.acked++;
              }
            });
            if (probed && !failed.has(0)) probes.push(probe(items[0].id, items[0].n, Date.now(), report));
          })
          .catch((err: unknown) => items.forEach(() => fail(report, err)))
          .finally(() => items.forEach(({ id }) => busy.delete(id))),
      );
    };

    while (Date.now() < endAt) {
      const now = Date.now();
      due = Math.floor(((now - started) / 60_000) * phase.ratePerMin);
      if (Math.floor(now / 1000) !== second) {
        second = Math.floor(now / 1000);
        singlesThisSecond = 0;
      }
      while (sent < due && inFlight < MAX_IN_FLIGHT) {
        const id = chooseContact();
        if (!id) break;
        busy.add(id);
        const n = ++seq;
        sent++;
        const single = Math.random() < plan.singleShare && singlesThisSecond < plan.singleMaxPerSecond;
        if (!single) {
          pendingBulk.push({ id, n });
          if (pendingBulk.length >= bulkSize) flushBulk();
          continue;
        }
        singlesThisSecond++;
        const probed = takeProbe();
        track(
          send('PATCH', `/v1/contacts/${id}`, change(n))
            .then(() => {
              lastSeq.set(id, n);
              report.acked++;
              if (probed) probes.push(probe(id, n, Date.now(), report));
            })
            .catch((err: unknown) => fail(report, err))
            .finally(() => busy.delete(id)),
        );
      }
      // A partial bulk waits at most one tick.
      if (pendingBulk.length && inFlight < MAX_IN_FLIGHT) flushBulk();
      await sleep(TICK_MS);
    }
    flushBulk();
    await Promise.all([...requests]);
    report.achieved_per_min = Math.round((report.acked / ((Date.now() - started) / 60_000)));
    await Promise.all(probes);
    console.log(JSON.stringify(report));
  }
  fs.writeFileSync(plan.lastSeqFile, JSON.stringify(Object.fromEntries(lastSeq)));
  console.log(JSON.stringify({ type: 'done', updates: seq - plan.seqStart }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
