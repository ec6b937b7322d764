/**
 * npm run bench:ingest — store webhooks through the real API on the local stack (scripts/stack.mjs).
 *
 * One tenant with one store per platform (Shopify, Hotmart, Pagar.me, Asaas), each with its
 * credentials and its own WhatsApp number (the simulator, in this process); EVENTS distinct events (default
 * 5,000; QUICK=1: 800) made from the platforms' documented payloads (scripts/bench/
 * ingest-events.ts: carts, boletos, PIX, approvals, shipping), each posted 3 times (REPLAYS) in
 * random order by CONCURRENCY keep-alive connections (default 16), authenticated the platform's
 * way. The API and the worker run in processes of their own, as deployed, in a database of
 * their own and Temporal's recado-bench namespace; what the bench left running there is ended.
 *
 * events_per_s: accepted deliveries (200 = stored durably) per second of the posting phase;
 * ack_p50_ms / ack_p99_ms: each POST's time to its response. Then the bench waits until every
 * delivery is processed and the funnels settle, and counts: funnels_started (funnels rows of the
 * bench's stores), messages_sent (their notifications in state sent), duplicates_sent (messages
 * beyond one per store, funnel, subject and step), lost (posted events with no store_events row).
 * Progress on stderr (with each process's CPU seconds, to say what limits the rate); the last
 * line on stdout is one JSON object.
 */
import { randomInt } from 'node:crypto';
import * as http from 'node:http';
import { Client } from 'pg';
import { FUNNELS } from '../src/funnels/model';
import { startWhatsAppSimulator } from '../src/simulators/whatsapp/server';
import { BENCH_PLATFORMS, BENCH_SECRETS, generateEvents, type BenchEvent, type BenchPlatform } from './bench/ingest-events';
import { ascending, cpuSeconds, percentile, pidsOf, seeded, sleep } from './bench/stats';
import { callApi } from './bench/api';
import { migratedDatabase, startRecado, type BenchRecado } from './bench/processes';

const QUICK = process.env.QUICK === '1';
const EVENTS = Number(process.env.EVENTS ?? (QUICK ? 800 : 5_000));
const REPLAYS = Number(process.env.REPLAYS ?? 3);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 16);
const SEED = Number(process.env.SEED ?? 11);
/** How long the bench waits for processing and funnels to settle after posting. */
const SETTLE_TIMEOUT_MS = 1000 * Number(process.env.SETTLE_TIMEOUT_S ?? (QUICK ? 140 : 1800));
/** Extra node options for the API process, e.g. API_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof". */
const API_NODE_ARGS = (process.env.API_NODE_ARGS ?? '').split(' ').filter(Boolean);
const DB = 'recado_bench_ingest';

const log = (line: string) => process.stderr.write(`[bench:ingest] ${line}\n`);

async function main() {
  const started = Date.now();
  const database = await migratedDatabase(DB);

  const sim = await startWhatsAppSimulator({ webhookUrl: null, statusDelayMs: 50, pairRateLimit: false, throughputPerSecond: 10_000 });
  const recado = startRecado({
    bench: 'ingest',
    databaseUrl: database.url,
    ports: { from: 3800, count: 150 },
    env: { WHATSAPP_GRAPH_URL: sim.url },
    log,
    apiNodeArgs: API_NODE_ARGS,
  });
  const { url: api, config } = recado;
  const db = new Client({ connectionString: database.url });
  await db.connect();

  try {
    await recado.ready();
    sim.simulator.setWebhookUrl(`${api}/v1/webhooks/whatsapp`);
    const account = await callApi(api, config.adminToken, 'POST', '/v1/admin/accounts', { name: 'Bench lojas' });
    const key: string = account.api_key.key;
    const stores = {} as Record<BenchPlatform, { id: string; url: string }>;
    for (const platform of BENCH_PLATFORMS) {
      // Each store sends through its own number (its own paced outbox), as shops usually do.
      const number = await callApi(api, key, 'POST', '/v1/whatsapp-numbers', {
        phone_number_id: String(randomInt(100_000_000, 999_999_999)),
        waba_id: '102290129340398',
        display_phone_number: '+55 11 4000-0000',
        access_token: 'bench-token',
      });
      const store = await callApi(api, key, 'POST', '/v1/stores', { platform, name: `Loja ${platform}`, channel_account_id: number.id, secrets: BENCH_SECRETS[platform] });
      stores[platform] = { id: store.id, url: new URL(store.webhook_url).pathname };
    }
    const storeIds = Object.values(stores).map((s) => s.id);
    // No pacing between the bench's sends, and every funnel's first message at once.
    await db.query(`UPDATE stores SET rules = '{"min_interval":"PT0S","frequency_cap":100}' WHERE id = ANY($1)`, [storeIds]);
    await db.query(
      `INSERT INTO store_funnels (store_id, funnel, config) SELECT s, f, '{"steps":[{"after":"PT0S"}]}'
         FROM unnest($1::uuid[]) s CROSS JOIN unnest($2::text[]) f ON CONFLICT (store_id, funnel) DO UPDATE SET config = excluded.config`,
      [storeIds, [...FUNNELS]],
    );
    // A template per funnel, linked to an approved template of the simulator's (outside the 24 h window
    // only templates go); utility, so no marketing opt-in is needed.
    await db.query(
      `INSERT INTO store_templates (account_id, store_id, event_type, category, content, meta_template)
       SELECT s.account_id, s.id, f, 'utility', '{"body":"Olá {{store_name}}, seu pedido {{store_name}} foi atualizado: {{store_name}}."}',
              '{"name":"pedido_atualizado","language":"pt_BR","status":"APPROVED"}'
         FROM stores s CROSS JOIN unnest($2::text[]) f WHERE s.id = ANY($1)`,
      [storeIds, [...FUNNELS]],
    );

    const random = seeded(SEED);
    const events = generateEvents(EVENTS, random);
    const posts = shuffle(events.flatMap((e) => Array.from({ length: REPLAYS }, () => e)), random);
    log(`${EVENTS} events (${mixOf(events)}), ${posts.length} posts, ${CONCURRENCY} connections`);

    // Warm-up (JIT, pools, caches): not measured, not counted (events outside the bench's set).
    await postAll(api, stores, generateEvents(200, seeded(SEED + 1), 10_000_000), CONCURRENCY);
    await settle(db, storeIds);

    const cpuBefore = cpuByPart(recado);
    const postingStarted = performance.now();
    const result = { done: 0 };
    const progress = setInterval(() => log(`posting: ${result.done} / ${posts.length}`), 5_000);
    const outcome = await postAll(api, stores, posts, CONCURRENCY, result);
    clearInterval(progress);
    const postingS = (performance.now() - postingStarted) / 1000;
    const cpuPosting = diff(cpuByPart(recado), cpuBefore);
    const latencies = ascending(outcome.latencies);
    log(`posted in ${postingS.toFixed(1)} s: ${outcome.accepted} accepted, statuses ${JSON.stringify(outcome.statuses)}, ` +
      `ack p50 ${percentile(latencies, 50)} ms p99 ${percentile(latencies, 99)} ms max ${latencies.at(-1)} ms; cpu s ${JSON.stringify(cpuPosting)}`);

    // Processing, then funnels and their messages, settle.
    const settleStarted = Date.now();
    await settle(db, storeIds);
    const cpuAll = diff(cpuByPart(recado), cpuBefore);
    log(`settled ${((Date.now() - settleStarted) / 1000).toFixed(1)} s after posting; cpu s since posting began ${JSON.stringify(cpuAll)}`);
    const counts = await count(db, storeIds, events);
    const summary = {
      events_per_s: Math.round(outcome.accepted / postingS),
      ack_p50_ms: percentile(latencies, 50),
      ack_p99_ms: percentile(latencies, 99),
      events: EVENTS,
      replays: posts.length - EVENTS,
      ...counts,
    };
    log(`done in ${Math.round((Date.now() - started) / 1000)} s`);
    console.log(JSON.stringify(summary));
  } finally {
    await recado.stop();
    await db.end();
    await sim.close();
    await sleep(1000);
    await database.drop();
  }
}

interface Outcome {
  accepted: number;
  latencies: number[];
  statuses: Record<number, number>;
}

/** Posts every event with `concurrency` keep-alive connections; each POST's latency in ms. */
async function postAll(api: string, stores: Record<BenchPlatform, { url: string }>, posts: BenchEvent[], concurrency: number, progress = { done: 0 }): Promise<Outcome> {
  const target = new URL(api);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const out: Outcome = { accepted: 0, latencies: [], statuses: {} };
  let next = 0;
  const one = (e: BenchEvent) =>
    new Promise<void>((resolve, reject) => {
      const body = Buffer.from(e.body);
      const t0 = performance.now();
      const req = http.request(
        { agent, host: target.hostname, port: target.port, method: 'POST', path: stores[e.platform].url,
          headers: { 'content-type': 'application/json', 'content-length': body.length, ...e.headers } },
        (res) => {
          res.resume();
          res.on('end', () => {
            out.latencies.push(performance.now() - t0);
            out.statuses[res.statusCode!] = (out.statuses[res.statusCode!] ?? 0) + 1;
            if (res.statusCode === 200) out.accepted++;
            progress.done++;
            resolve();
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < posts.length) await one(posts[next++]);
  }));
  agent.destroy();
  return out;
}

async function settle(db: Client, storeIds: string[]) {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  let lastLog = 0;
  let stableSince = 0;
  let last = '';
  for (;;) {
    const { rows: [s] } = await db.query<{ pending: number; starting: number; queued: number; sent: number; routing: number; funnels: number }>(
      `SELECT (SELECT count(*)::int FROM inbound_webhooks WHERE provider = 'store' AND status IN ('received', 'failed')) AS pending,
              (SELECT count(*)::int FROM funnels WHERE store_id = ANY($1) AND state = 'starting') AS starting,
              (SELECT count(*)::int FROM notifications WHERE store_id = ANY($1) AND state = 'queued' AND not_before <= now()) AS queued,
              (SELECT count(*)::int FROM notifications WHERE store_id = ANY($1) AND state = 'sent') AS sent,
              (SELECT count(*)::int FROM notifications n JOIN dispatches d ON d.id = n.dispatch_id WHERE n.store_id = ANY($1) AND d.state = 'routing') AS routing,
              (SELECT count(*)::int FROM funnels WHERE store_id = ANY($1)) AS funnels`,
      [storeIds],
    );
    const now = JSON.stringify(s);
    if (now !== last) {
      last = now;
      stableSince = Date.now();
    }
    // Settled: nothing pending or due, and nothing changed for 3 s (funnels may still be starting).
    if (s.pending === 0 && s.starting === 0 && s.queued === 0 && s.routing === 0 && Date.now() - stableSince > 3_000) return;
    if (Date.now() > deadline) {
      log(`not settled after ${SETTLE_TIMEOUT_MS / 1000} s: ${now}`);
      return;
    }
    if (Date.now() - lastLog > 5_000) {
      log(`settling: ${now}`);
      lastLog = Date.now();
    }
    await sleep(250);
  }
}

async function count(db: Client, storeIds: string[], events: BenchEvent[]) {
  const one = async (sql: string, params: unknown[] = [storeIds]) => (await db.query<{ n: number }>(sql, params)).rows[0].n;
  const funnelsStarted = await one('SELECT count(*)::int AS n FROM funnels WHERE store_id = ANY($1)');
  const messagesSent = await one(`SELECT count(*)::int AS n FROM notifications WHERE store_id = ANY($1) AND state = 'sent'`);
  // One message per (store, funnel, subject, step): a second funnel for the same order, a second
  // notification or a second message of one dispatch that reached the customer is a duplicate.
  const duplicatesSent = await one(
    `SELECT coalesce(sum(n - 1), 0)::int AS n FROM (
       SELECT count(m.id) AS n FROM notifications o
         JOIN funnels f ON f.id = o.funnel_id
         JOIN dispatches d ON d.id = o.dispatch_id
         JOIN messages m ON m.dispatch_id = d.id AND m.direction = 'outbound' AND m.state NOT IN ('queued', 'failed')
        WHERE o.store_id = ANY($1)
        GROUP BY o.store_id, f.funnel, f.subject, o.step HAVING count(m.id) > 1) d`,
  );
  // The events that reached store_events, found by the marker every one carries.
  const { rows } = await db.query<{ n: string }>(
    `SELECT DISTINCT substring(w.raw_body || coalesce(w.headers::text, '') FROM 'bnch([0-9]+)x') AS n
       FROM store_events e JOIN inbound_webhooks w ON w.id = e.webhook_id
      WHERE e.store_id = ANY($1) AND e.status IN ('mapped', 'unmapped', 'duplicate')`,
    [storeIds],
  );
  const seen = new Set(rows.map((r) => Number(r.n)));
  const lost = events.filter((e) => !seen.has(e.n)).length;
  if (lost) log(`lost: ${events.filter((e) => !seen.has(e.n)).slice(0, 5).map((e) => `${e.platform}/${e.file}#${e.n}`).join(', ')}…`);
  return { funnels_started: funnelsStarted, messages_sent: messagesSent, duplicates_sent: duplicatesSent, lost };
}

function mixOf(events: BenchEvent[]): string {
  const by = new Map<string, number>();
  for (const e of events) by.set(`${e.platform}:${e.kind}`, (by.get(`${e.platform}:${e.kind}`) ?? 0) + 1);
  return [...by].map(([k, v]) => `${k} ${v}`).join(', ');
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** CPU seconds so far of each part, to say what limits the rate (Postgres: its backends too). */
function cpuByPart({ api, worker }: Pick<BenchRecado, 'api' | 'worker'>): Record<string, number> {
  const sum = (pids: number[]) => pids.reduce((n, pid) => n + cpuSeconds(pid), 0);
  return {
    api: cpuSeconds(api.pid!),
    worker: cpuSeconds(worker.pid!),
    bench: process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6,
    postgres: pidsOf('postgres -D').reduce((n, pid) => n + cpuSeconds(pid, true), 0) + sum(pidsOf('postgres: ')),
    temporal: sum(pidsOf('temporal server start-dev')),
  };
}

function diff(now: Record<string, number>, before: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(now).map(([k, v]) => [k, Math.round((v - (before[k] ?? 0)) * 10) / 10]));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
