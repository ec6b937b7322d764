/**
 * npm run bench:console — how fast the agents' console is for a person, in Debian's Chromium
 * against the API and the worker (processes of their own, as deployed, on the local stack: a
 * database of their own, Temporal's recado-bench namespace), with the WhatsApp and LiveKit
 * Connector simulators in this process.
 *
 * The account is seeded to a realistic size first (CONTACTS contacts, default 50,000; MESSAGES
 * messages in CONVERSATIONS conversations, default 300,000 in 30,000; QUICK=1: 5,000 / 20,000 in
 * 2,000), the real indexer builds its search index, and then, SAMPLES times each (default 50;
 * QUICK=1: 10), after two unmeasured warm-ups:
 * - inbox_cold: a signed-in agent opens the console in a new browser context (empty cache) →
 *   the inbox's first page of conversations is in the DOM, from the navigation's start;
 *   inbox_warm: the same, reloading in one context (the hashed assets cached);
 *   inbox_api: the first page's GET /v1/conversations inside those loads, as the browser timed it.
 * - message: a customer's WhatsApp message leaves the simulator → its conversation is the first
 *   line of the agent's open inbox, with that message, without a reload (the live stream).
 * - ring: a customer calls (the simulator's connect webhook leaves) → the incoming-call popup is
 *   in the agent's console; the customer then hangs up and the call ends before the next.
 * console_bytes: what the console's first load transferred (JS, CSS, HTML; the API serves them
 * uncompressed). Progress on stderr; the last line on stdout is one JSON object.
 */
import { randomBytes, randomInt } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { loadConfig } from '../src/config/config';
import { createPool } from '../src/db/database';
import { migrate } from '../src/db/migrate';
import { endRunningOnTaskQueue } from '../src/infra/end-workflows';
import { startLiveKitConnectorSimulator } from '../src/simulators/livekit-connector/server';
import { startWhatsAppSimulator } from '../src/simulators/whatsapp/server';
import { callApi, waitFor } from './bench/api';
import { consoleBytes, INBOX_ROW, loadInbox, RING_POPUP, signedInContext, watchFor, type ConsoleBytes } from './bench/console-page';
import { launchChromium } from './chromium';
import { seedConversations, type SeededConversation } from './bench/console-seed';
import { seedContacts } from './bench/contacts-seed';
import { freshDatabase, startNode } from './bench/processes';
import { ascending, percentile } from './bench/stats';

const QUICK = process.env.QUICK === '1';
const CONTACTS = Number(process.env.CONTACTS ?? (QUICK ? 5_000 : 50_000));
const CONVERSATIONS = Number(process.env.CONVERSATIONS ?? (QUICK ? 2_000 : 30_000));
const MESSAGES = Number(process.env.MESSAGES ?? (QUICK ? 20_000 : 300_000));
const SAMPLES = Number(process.env.SAMPLES ?? (QUICK ? 10 : 50));
const WARM_UPS = 2;
/** Salespeople the seeded contacts are assigned to, the measured agent among them. */
const AGENTS = 10;
const SAMPLE_TIMEOUT_MS = 30_000;
const NAMESPACE = 'recado-bench';
const DB = 'recado_bench_console';
const COLLECTION = 'bench_console';

const log = (line: string) => process.stderr.write(`[bench:console] ${line}\n`);
const dist = (...p: string[]) => path.join(__dirname, '..', ...p);

async function main() {
  const started = Date.now();
  // Other work on the machine moves every figure here: the run says how busy it was.
  const loadAtStart = os.loadavg()[0];
  const base = loadConfig();
  // First: without a browser there is nothing to measure, and nothing is started yet.
  const browser = await launchChromium();
  const database = await freshDatabase(base.databaseUrl, DB);
  await migrate(database.url);
  await dropIndex(base.typesense);
  const wa = await startWhatsAppSimulator({ webhookUrl: null, statusDelayMs: 50, pairRateLimit: false, throughputPerSecond: 10_000 });
  const connector = await startLiveKitConnectorSimulator({ apiKey: base.livekit.apiKey, apiSecret: base.livekit.apiSecret, graphUrl: wa.url });
  const port = 4000 + randomInt(0, 40);
  const api = `http://127.0.0.1:${port}`;
  const taskQueue = `bench-console-${randomBytes(4).toString('hex')}`;
  const env = {
    ...process.env,
    DATABASE_URL: database.url,
    TEMPORAL_NAMESPACE: NAMESPACE,
    TEMPORAL_TASK_QUEUE: taskQueue,
    CONTACT_INDEX_TASK_QUEUE: `${taskQueue}-contact-index`,
    TYPESENSE_COLLECTION: COLLECTION,
    WHATSAPP_GRAPH_URL: wa.url,
    LIVEKIT_CONNECTOR_URL: connector.url,
    PUBLIC_API_URL: api,
    API_PORT: String(port),
    TELEGRAM_POLLING: 'off',
    LOG_LEVEL: 'warn',
  };
  const config = loadConfig(env);
  wa.simulator.setWebhookUrl(`${api}/v1/webhooks/whatsapp`);
  const apiProcess = startNode('api', [dist('src', 'main.js')], env, log);
  const workerProcess = startNode('worker', [dist('src', 'worker.js')], env, log);
  const pool = createPool(database.url, 4);
  const errors = loggedErrors();

  try {
    await waitFor(async () => (await fetch(`${api}/health`).catch(() => undefined))?.ok === true, 60_000, 'the API');
    const account = await callApi(api, config.adminToken, 'POST', '/v1/admin/accounts', { name: 'Bench console' });
    const key: string = account.api_key.key;
    const accountId: string = account.account.id;
    const agent = await callApi(api, key, 'POST', '/v1/agents', { name: 'Ana Atendente', email: 'ana@bench.example', role: 'admin' });
    const agentToken: string = agent.api_key.key;
    const agentId: string = agent.agent.id;
    const agents = [agentId];
    for (let i = 1; i < AGENTS; i++) agents.push((await callApi(api, key, 'POST', '/v1/agents', { name: `Vendedor ${i}`, email: `vendedor${i}@bench.example` })).agent.id);
    const phoneNumberId = String(randomInt(100_000_000, 999_999_999));
    const number = await callApi(api, key, 'POST', '/v1/whatsapp-numbers', {
      phone_number_id: phoneNumberId,
      waba_id: '102290129340398',
      display_phone_number: '+55 11 4000-0000',
      access_token: 'bench-token',
    });

    const seedStarted = Date.now();
    await seedContacts(pool, accountId, agents, CONTACTS, (done) => done % 10_000 === 0 && log(`contacts: ${done.toLocaleString('en')}`));
    const seeded = await seedConversations(
      pool,
      { accountId, numberId: number.id, readerId: agentId, conversations: CONVERSATIONS, messages: MESSAGES },
      (done) => done % 50_000 === 0 && log(`messages: ${done.toLocaleString('en')}`),
    );
    const messageCount = (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM messages')).rows[0].n;
    log(`seeded ${CONTACTS} contacts, ${messageCount} messages in ${seeded.length} conversations in ${Math.round((Date.now() - seedStarted) / 1000)} s`);
    // The search index caught up, as in a working account: its indexer does not compete with the samples.
    await waitFor(async () => (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM contact_index_outbox')).rows[0].n === 0, 600_000, 'the contact index');
    log(`indexed in ${Math.round((Date.now() - seedStarted) / 1000)} s since seeding began`);

    const inboxUrl = `${api}/console/`;
    const inbox = await measureInbox(browser, agentToken, inboxUrl, errors);
    log(`inbox cold p50 ${p(inbox.cold, 50)} ms, warm p50 ${p(inbox.warm, 50)} ms, ${inbox.rows} lines`);

    // One console stays open on the inbox, live, for the message and ring samples.
    const context = await signedInContext(browser, agentToken);
    const page = await context.newPage();
    page.on('pageerror', (err) => errors.push(`page: ${err.message}`));
    await loadInbox(page, inboxUrl, SAMPLE_TIMEOUT_MS);
    await page.getByRole('status').getByText('Ao vivo').waitFor({ timeout: SAMPLE_TIMEOUT_MS });

    const message = await measureMessages(page, seeded, (waId, text) => wa.simulator.customerSendsMessage(waId, { phoneNumberId, text }), errors);
    log(`message → inbox p50 ${p(message, 50)} ms, p99 ${p(message, 99)} ms`);

    const assigned = (
      await pool.query<{ wa_id: string }>(
        `SELECT i.value AS wa_id FROM contacts c JOIN contact_identities i ON i.account_id = c.account_id AND i.contact_id = c.id AND i.kind = 'whatsapp'
          WHERE c.account_id = $1 AND c.assigned_agent_id = $2 LIMIT $3`,
        [accountId, agentId, SAMPLES + WARM_UPS],
      )
    ).rows.map((r) => r.wa_id);
    const ring = await measureRings(page, assigned, {
      call: (waId) => wa.simulator.customerCalls(waId, { phoneNumberId }),
      hangUp: (callId) => wa.simulator.customerEndsCall(callId),
      ongoing: async () => (await callApi(api, key, 'GET', '/v1/calls/ongoing')).length,
    }, errors);
    log(`ring p50 ${p(ring, 50)} ms, p99 ${p(ring, 99)} ms`);
    await context.close();

    const summary = {
      contacts: CONTACTS,
      conversations: seeded.length,
      messages: messageCount,
      inbox_cold_samples: inbox.cold.length,
      inbox_cold_p50_ms: p(inbox.cold, 50),
      inbox_cold_p99_ms: p(inbox.cold, 99),
      inbox_warm_samples: inbox.warm.length,
      inbox_warm_p50_ms: p(inbox.warm, 50),
      inbox_warm_p99_ms: p(inbox.warm, 99),
      inbox_api_p50_ms: p(inbox.api, 50),
      inbox_api_p99_ms: p(inbox.api, 99),
      inbox_rows: inbox.rows,
      message_samples: message.length,
      message_p50_ms: p(message, 50),
      message_p99_ms: p(message, 99),
      ring_samples: ring.length,
      ring_p50_ms: p(ring, 50),
      ring_p99_ms: p(ring, 99),
      console_bytes: inbox.bytes,
      errors: errors.length,
      ...(errors.length ? { first_error: errors[0] } : {}),
      machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
      load_avg_1m: { start: round1(loadAtStart), end: round1(os.loadavg()[0]) },
      elapsed_s: Math.round((Date.now() - started) / 1000),
    };
    const leftRunning = await finish();
    console.log(JSON.stringify({ ...summary, left_running: leftRunning }));
    process.exit(errors.length ? 1 : 0);
  } catch (err) {
    await finish().catch((e: unknown) => log(`clean-up failed: ${String(e)}`));
    throw err;
  }

  async function finish() {
    await browser.close();
    // Nobody polls the bench's task queues once it is done: what still runs there would run forever.
    const onApp = await endRunningOnTaskQueue(config.temporal, 'bench finished');
    const onIndex = await endRunningOnTaskQueue({ ...config.temporal, taskQueue: config.contactIndex.taskQueue }, 'bench finished');
    const left = onApp + onIndex;
    if (left) log(`ended ${onApp} workflow(s) left running on the app's task queue, ${onIndex} on the contact indexer's`);
    apiProcess.kill('SIGTERM');
    workerProcess.kill('SIGTERM');
    await Promise.all([new Promise((r) => apiProcess.once('exit', r)), new Promise((r) => workerProcess.once('exit', r))]);
    await pool.end();
    await Promise.all([connector.close(), wa.close()]);
    await database.drop();
    if (process.env.BENCH_KEEP !== '1') await dropIndex(base.typesense);
    return left;
  }
}

/** Cold loads (a new context each: nothing cached) and warm ones (reloads in one context). */
async function measureInbox(browser: Awaited<ReturnType<typeof launchChromium>>, token: string, url: string, errors: string[]) {
  const cold: number[] = [];
  const warm: number[] = [];
  const api: number[] = [];
  let rows = 0;
  let bytes: ConsoleBytes | undefined;
  for (let i = 0; i < WARM_UPS + SAMPLES; i++) {
    const context = await signedInContext(browser, token);
    const page = await context.newPage();
    try {
      // The first load is also the one whose bytes are counted: they do not change between loads.
      const load = i === 0 ? await countedLoad(page, url, (b) => (bytes = b)) : await loadInbox(page, url, SAMPLE_TIMEOUT_MS);
      rows = load.rows;
      if (i >= WARM_UPS) {
        cold.push(load.shownMs);
        if (load.apiMs !== null) api.push(load.apiMs);
      }
    } catch (err) {
      errors.push(`inbox cold load: ${(err as Error).message}`);
    }
    await context.close();
  }
  const context = await signedInContext(browser, token);
  const page = await context.newPage();
  for (let i = 0; i < WARM_UPS + SAMPLES; i++) {
    try {
      const load = await loadInbox(page, url, SAMPLE_TIMEOUT_MS);
      if (i >= WARM_UPS) {
        warm.push(load.shownMs);
        if (load.apiMs !== null) api.push(load.apiMs);
      }
    } catch (err) {
      errors.push(`inbox warm load: ${(err as Error).message}`);
    }
  }
  await context.close();
  if (!bytes) throw new Error('the console never loaded');
  return { cold, warm, api, rows, bytes };
}

async function countedLoad(page: Page, url: string, onBytes: (b: ConsoleBytes) => void) {
  let load: Awaited<ReturnType<typeof loadInbox>> | undefined;
  onBytes(await consoleBytes(page, async () => (load = await loadInbox(page, url, SAMPLE_TIMEOUT_MS))));
  return load!;
}

/** A customer of an older conversation writes; their conversation becomes the inbox's first line. */
async function measureMessages(page: Page, seeded: SeededConversation[], send: (waId: string, text: string) => void, errors: string[]) {
  const samples: number[] = [];
  const firstPage = new Set(await page.locator(`${INBOX_ROW} a`).evaluateAll((links) => links.map((a) => (a as any).getAttribute('href') as string)));
  const customers = seeded.filter((c) => ![...firstPage].some((href) => href.includes(c.contactId)));
  for (let i = 0; i < WARM_UPS + SAMPLES; i++) {
    const customer = customers[i % customers.length];
    const text = `Bench ${i} ${randomBytes(4).toString('hex')}: meu pedido já saiu?`;
    try {
      const watch = await watchFor(page, INBOX_ROW, text, SAMPLE_TIMEOUT_MS);
      const sentAt = Date.now();
      send(customer.waId, text);
      const shownAt = await watch.at();
      if (i >= WARM_UPS) samples.push(shownAt - sentAt);
    } catch (err) {
      const first = await page.locator(INBOX_ROW).first().textContent().catch(() => null);
      errors.push(`message ${i}: ${(err as Error).message} (first line: ${first})`);
    }
  }
  return samples;
}

/** A customer assigned to the agent calls; the popup rings; the customer gives up; the call ends. */
async function measureRings(
  page: Page,
  customers: string[],
  sim: { call(waId: string): { id: string }; hangUp(callId: string): void; ongoing(): Promise<number> },
  errors: string[],
) {
  const samples: number[] = [];
  for (let i = 0; i < WARM_UPS + SAMPLES; i++) {
    let callId: string | undefined;
    try {
      const watch = await watchFor(page, RING_POPUP, null, SAMPLE_TIMEOUT_MS);
      const calledAt = Date.now();
      callId = sim.call(customers[i % customers.length]).id;
      const shownAt = await watch.at();
      if (i >= WARM_UPS) samples.push(shownAt - calledAt);
    } catch (err) {
      errors.push(`ring ${i}: ${(err as Error).message}`);
    }
    try {
      if (callId) sim.hangUp(callId);
      await page.locator(RING_POPUP).waitFor({ state: 'detached', timeout: SAMPLE_TIMEOUT_MS });
      await waitFor(async () => (await sim.ongoing()) === 0, SAMPLE_TIMEOUT_MS, 'the call to end');
    } catch (err) {
      errors.push(`ring ${i} hang-up: ${(err as Error).message}`);
    }
  }
  return samples;
}

/** A list of what went wrong that also tells stderr at once. */
function loggedErrors(): string[] {
  const errors: string[] = [];
  const push = errors.push.bind(errors);
  errors.push = (...items: string[]) => {
    items.forEach((item) => log(`error: ${item}`));
    return push(...items);
  };
  return errors;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

const p = (values: number[], q: number) => {
  const v = percentile(ascending(values), q);
  return v === null ? null : Math.round(v);
};

/** The bench's alias and collections (`bench_console…`). */
async function dropIndex(typesense: { url: string; apiKey: string }) {
  const headers = { 'x-typesense-api-key': typesense.apiKey };
  const { aliases } = (await (await fetch(`${typesense.url}/aliases`, { headers })).json()) as { aliases: { name: string }[] };
  for (const a of aliases.filter((a) => a.name.startsWith(COLLECTION))) await fetch(`${typesense.url}/aliases/${a.name}`, { method: 'DELETE', headers });
  const collections = (await (await fetch(`${typesense.url}/collections`, { headers })).json()) as { name: string }[];
  for (const c of collections.filter((c) => c.name.startsWith(COLLECTION))) await fetch(`${typesense.url}/collections/${c.name}`, { method: 'DELETE', headers });
}

main().catch((err: unknown) => {
  console.error(err);
  console.log(JSON.stringify({ error: err instanceof Error ? err.message : String(err) }));
  process.exit(1);
});
