/**
 * npm run bench:contacts — contacts at scale on the local stack (scripts/stack.mjs).
 *
 * Seeds N contacts (BENCH_CONTACTS, default 1,000,000; QUICK=1: 100,000) with five custom
 * attributes into a database of its own, lets the real indexer (the worker, in its own process)
 * build the Typesense index, then for STEADY_S seconds sends updates at RATE a minute from a
 * separate process through the real API (single PATCHes and bulk upserts) while running filtered
 * searches through the API; then ramps the rate (RAMP, comma list) to find the highest sustained
 * one. At the end every updated contact is read back from Postgres and Typesense: lost updates
 * and out-of-order documents are counted, not assumed. Runs in Temporal's recado-bench namespace
 * and ends what it started there. Progress on stderr; the last line on stdout is one JSON object.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../src/config/config';
import { accountAlias } from '../src/contacts/index/contacts-collection';
import { createPool } from '../src/db/database';
import { BENCH_ATTRIBUTES, seedContacts } from './bench/contacts-seed';
import type { LoadPlan, PhaseReport } from './bench/contacts-load';
import { runSearches, type SearchSample } from './bench/contacts-search-load';
import { verifyIndex } from './bench/contacts-verify';
import { ascending, cpuSeconds, percentile, pidsOf, rssMb, sleep } from './bench/stats';
import { callApi } from './bench/api';
import { freshDatabase, startNode, startRecado } from './bench/processes';

const QUICK = process.env.QUICK === '1';
const CONTACTS = Number(process.env.BENCH_CONTACTS ?? (QUICK ? 100_000 : 1_000_000));
const RATE = Number(process.env.RATE ?? 10_000);
const STEADY_MS = 1000 * Number(process.env.STEADY_S ?? (QUICK ? 40 : 120));
const RAMP = (process.env.RAMP ?? (QUICK ? '30000,60000,120000' : '20000,40000,80000,160000')).split(',').map(Number);
const RAMP_STEP_MS = 1000 * Number(process.env.RAMP_STEP_S ?? (QUICK ? 12 : 30));
/** An agent team's searches: 300 a minute (50 agents, one search every 10 s each). */
const SEARCHES_PER_SECOND = Number(process.env.SEARCHES_PER_SECOND ?? 5);
const DB = 'recado_bench_contacts';
const ALIAS = 'bench_contacts';
const SEQ_START = 1_000_000;
/** A rate is sustained when it is achieved, visible within 5 s, and the backlog stays bounded. */
const SUSTAINED_LAG_P99_MS = 5_000;

const log = (line: string) => process.stderr.write(`[bench:contacts] ${line}\n`);
const dist = (...p: string[]) => path.join(__dirname, '..', ...p);

async function main() {
  const started = Date.now();
  const base = loadConfig();
  const database = await freshDatabase(base.databaseUrl, DB);
  await dropIndex(base.typesense);

  // Migrated by recado's own migrate command, as a deploy runs it.
  await run(process.execPath, [dist('src', 'db', 'migrate.js')], { ...process.env, DATABASE_URL: database.url });
  const recado = startRecado({
    bench: 'contacts',
    databaseUrl: database.url,
    ports: { from: 3400, count: 400 },
    env: { TYPESENSE_COLLECTION: ALIAS },
    // The indexer's info lines are part of what the worker costs at this rate.
    workerEnv: { LOG_LEVEL: 'info' },
    log,
  });
  const { url: api, config } = recado;
  const pool = createPool(database.url, 4);
  const processes = { api: recado.api, worker: recado.worker };
  let peakRss = 0;
  const rssSampler = setInterval(() => {
    peakRss = Math.max(peakRss, rssMb(recado.api.pid!) + rssMb(recado.worker.pid!));
  }, 500);

  try {
    await recado.ready();
    const account = await callApi(api, config.adminToken, 'POST', '/v1/admin/accounts', { name: 'Bench contatos' });
    const key: string = account.api_key.key;
    const agents: string[] = [];
    for (let i = 0; i < 20; i++) {
      agents.push((await callApi(api, key, 'POST', '/v1/agents', { name: `Vendedor ${i}`, email: `vendedor${i}@bench.example` })).agent.id);
    }
    for (const a of BENCH_ATTRIBUTES) await callApi(api, key, 'PUT', `/v1/contact-attributes/${a.key}`, { type: a.type });

    // Seed, and let the real indexer build the index from the outbox the triggers filled.
    const seedStarted = Date.now();
    const ids = await seedContacts(pool, account.account.id, agents, CONTACTS, (done) => {
      if (done % 50_000 === 0 || done === CONTACTS) log(`seeded ${done.toLocaleString('en')} / ${CONTACTS.toLocaleString('en')}`);
    });
    const seedMs = Date.now() - seedStarted;
    const indexStarted = Date.now();
    await waitForBacklog(pool, 0, 30 * 60_000, (n) => log(`indexing: ${n.toLocaleString('en')} contacts to go`));
    const initialIndexMs = Date.now() - indexStarted;
    log(`seeded in ${(seedMs / 1000).toFixed(1)} s, indexed in ${(initialIndexMs / 1000).toFixed(1)} s`);

    // Updates from a separate process; searches from here while the steady phase runs.
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-contacts-'));
    const idsFile = path.join(work, 'ids');
    const lastSeqFile = path.join(work, 'last-seq.json');
    fs.writeFileSync(idsFile, ids.join('\n'));
    const phases = [
      { name: 'steady', ratePerMin: RATE, durationMs: STEADY_MS },
      ...RAMP.map((rate) => ({ name: `ramp-${rate}`, ratePerMin: rate, durationMs: RAMP_STEP_MS })),
    ];
    const plan: LoadPlan = {
      api,
      key,
      idsFile,
      lastSeqFile,
      phases,
      typesense: { url: config.typesense.url, apiKey: config.typesense.apiKey, collection: accountAlias(ALIAS, account.account.id) },
      probesPerSecond: 4,
      singleShare: 0.3,
      singleMaxPerSecond: 60,
      seqStart: SEQ_START,
    };
    const reports: (PhaseReport & { backlog_end: number; cpu_s: Record<string, number> })[] = [];
    let searching: Promise<{ samples: SearchSample[]; errors: number; firstError?: string }> | undefined;
    let steadyRunning = false;
    let cpuAtStart: Record<string, number> = {};
    const load = startNode('load', [dist('scripts', 'bench', 'contacts-load.js')], { ...process.env, BENCH_LOAD: JSON.stringify(plan) }, log, (line) => {
      const event = JSON.parse(line) as PhaseReport | { type: 'phase-start' | 'done'; name?: string };
      if (event.type === 'phase-start') {
        cpuAtStart = cpuByPart(processes, load);
        log(`phase ${event.name} started`);
        if (event.name === 'steady') {
          steadyRunning = true;
          searching = runSearches(api, key, agents, SEARCHES_PER_SECOND, () => !steadyRunning);
        }
      } else if (event.type === 'phase' && 'lag_ms' in event) {
        if (event.name === 'steady') steadyRunning = false;
        const now = cpuByPart(processes, load);
        const cpu = Object.fromEntries(Object.entries(now).map(([k, v]) => [k, Math.round((v - (cpuAtStart[k] ?? 0)) * 10) / 10]));
        void backlog(pool).then((b) => {
          reports.push({ ...event, backlog_end: b, cpu_s: cpu });
          const lag = ascending(event.lag_ms);
          log(`phase ${event.name}: ${event.achieved_per_min}/min of ${event.target_per_min}, lag p50 ${percentile(lag, 50)} ms p99 ${percentile(lag, 99)} ms, backlog ${b}, errors ${event.errors}, cpu ${JSON.stringify(cpu)}`);
        });
      }
    });
    await new Promise<void>((resolve, reject) => load.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`load exited with ${code}`)))));
    const search = await searching;

    // Every updated contact, read back.
    await waitForBacklog(pool, 0, 120_000, (n) => log(`draining the last ${n} changes`));
    await sleep(200);
    const lastSeq = new Map(Object.entries(JSON.parse(fs.readFileSync(lastSeqFile, 'utf8')) as Record<string, number>));
    const verdict = await verifyIndex(pool, config.typesense, accountAlias(ALIAS, account.account.id), lastSeq, SEQ_START);
    fs.rmSync(work, { recursive: true, force: true });

    const steady = reports.find((r) => r.name === 'steady')!;
    const lag = ascending(steady.lag_ms);
    const latencies = ascending(search?.samples.map((s) => s.latency) ?? []);
    const sustained = reports.filter((r) => isSustained(r)).map((r) => r.target_per_min);
    const summary = {
      contacts: CONTACTS,
      updates_per_min: steady.achieved_per_min,
      max_sustained_updates_per_min: sustained.length ? Math.max(...sustained) : 0,
      index_lag_p50_ms: percentile(lag, 50),
      index_lag_p99_ms: percentile(lag, 99),
      search_p50_ms: percentile(latencies, 50),
      search_p99_ms: percentile(latencies, 99),
      lost_updates: verdict.lost,
      out_of_order: verdict.outOfOrder,
      rss_mb: peakRss,
      updated_contacts: lastSeq.size,
      update_errors: reports.reduce((n, r) => n + r.errors, 0),
      searches: latencies.length,
      search_errors: search?.errors ?? 0,
      // Typesense's own time: the rest of search_p*_ms is the API, the network and waiting for a core.
      search_server_p50_ms: percentile(ascending(search?.samples.map((s) => s.server) ?? []), 50),
      search_server_p99_ms: percentile(ascending(search?.samples.map((s) => s.server) ?? []), 99),
      search_found_median: percentile(ascending(search?.samples.map((s) => s.found) ?? []), 50),
      seed_s: Math.round(seedMs / 100) / 10,
      initial_index_per_s: Math.round(CONTACTS / (initialIndexMs / 1000)),
      phases: reports.map((r) => ({
        name: r.name,
        target_per_min: r.target_per_min,
        achieved_per_min: r.achieved_per_min,
        lag_p99_ms: percentile(ascending(r.lag_ms), 99),
        backlog_end: r.backlog_end,
        sustained: isSustained(r),
        cpu_s: r.cpu_s,
      })),
      first_error: reports.find((r) => r.first_error)?.first_error ?? search?.firstError,
      cores: os.cpus().length,
      duration_s: Math.round((Date.now() - started) / 1000),
    };
    console.log(JSON.stringify(summary));
  } finally {
    clearInterval(rssSampler);
    await recado.stop();
    await pool.end();
    await sleep(1000);
    await database.drop();
    if (process.env.BENCH_KEEP !== '1') await dropIndex(base.typesense);
  }

  function isSustained(r: PhaseReport & { backlog_end: number }): boolean {
    const lagP99 = percentile(ascending(r.lag_ms), 99);
    return (
      r.achieved_per_min >= 0.95 * r.target_per_min &&
      r.errors === 0 &&
      r.probes_timed_out === 0 &&
      lagP99 !== null &&
      lagP99 < SUSTAINED_LAG_P99_MS &&
      r.backlog_end <= (r.target_per_min / 60) * (SUSTAINED_LAG_P99_MS / 1000)
    );
  }
}

/** CPU seconds used so far by each part of the system, to say what limits the rate. */
function cpuByPart(processes: Record<string, ChildProcess>, load: ChildProcess): Record<string, number> {
  const sum = (pids: number[]) => pids.reduce((n, pid) => n + cpuSeconds(pid), 0);
  return {
    api: cpuSeconds(processes.api.pid!),
    worker: cpuSeconds(processes.worker.pid!),
    load: cpuSeconds(load.pid!),
    // The server and its live backends, plus the backends that have exited (reaped by the server).
    postgres: pidsOf('postgres -D').reduce((n, pid) => n + cpuSeconds(pid, true), 0) + sum(pidsOf('postgres: ')),
    typesense: sum(pidsOf('typesense-server')),
    temporal: sum(pidsOf('temporal server start-dev')),
  };
}

async function backlog(pool: ReturnType<typeof createPool>): Promise<number> {
  return (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM contact_index_outbox')).rows[0].n;
}

async function waitForBacklog(pool: ReturnType<typeof createPool>, target: number, timeoutMs: number, progress: (n: number) => void) {
  const deadline = Date.now() + timeoutMs;
  let lastLog = 0;
  for (;;) {
    const n = await backlog(pool);
    if (n <= target) return;
    if (Date.now() > deadline) throw new Error(`the index backlog is still ${n} after ${timeoutMs / 1000} s`);
    if (Date.now() - lastLog > 5_000) {
      progress(n);
      lastLog = Date.now();
    }
    await sleep(250);
  }
}

/** The bench's accounts' aliases and collections (`bench_contacts_…`). */
async function dropIndex(typesense: { url: string; apiKey: string }) {
  const headers = { 'x-typesense-api-key': typesense.apiKey };
  const { aliases } = (await (await fetch(`${typesense.url}/aliases`, { headers })).json()) as { aliases: { name: string }[] };
  for (const a of aliases.filter((a) => a.name.startsWith(`${ALIAS}_`))) {
    await fetch(`${typesense.url}/aliases/${a.name}`, { method: 'DELETE', headers });
  }
  const collections = (await (await fetch(`${typesense.url}/collections`, { headers })).json()) as { name: string }[];
  for (const c of collections.filter((c) => c.name.startsWith(`${ALIAS}_`))) {
    await fetch(`${typesense.url}/collections/${c.name}`, { method: 'DELETE', headers });
  }
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')} exited with ${code}`))));
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
