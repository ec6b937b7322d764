/**
 * npm run bench:checkout — lead capture end to end through the real API and worker (processes of
 * their own, as deployed, on the local stack: a database of their own, Temporal's recado-bench
 * namespace), with the Pipedrive and Pagar.me simulators in this process.
 *
 * INTENTS customers (default 1,000; QUICK=1: 200), each a different person, ask for a checkout
 * intent over CONCURRENCY keep-alive connections (default 16); then each pays on the gateway
 * (the simulator posts order.paid and charge.paid to the store's webhook, Basic-authenticated).
 *
 * link_p50_ms / link_p99_ms: POST /v1/checkout-intents to its 201 with the pre-filled link (the
 * contact upserted, the intent stored, the link made at the gateway, the recovery started) — what
 * the customer waits for; intents_per_s over that phase. deal_p50_s / deal_p99_s: the intent to its
 * deal in the CRM, which Pipedrive's documented burst limits pace (the simulator enforces them:
 * 20 requests / 2 s, searches 10 / 2 s); crm_429 counts the simulator's 429 answers.
 * won_p50_ms / won_p99_ms: the payment at the gateway to the deal won. duplicate_deals (deals
 * beyond one per person), lost (intents not won at the end). Progress on stderr; the last line on
 * stdout is one JSON object.
 */
import { randomInt } from 'node:crypto';
import { Client } from 'pg';
import { startPagarmeSimulator } from '../src/simulators/pagarme/server';
import { startPipedriveSimulator } from '../src/simulators/pipedrive/server';
import { startWhatsAppSimulator } from '../src/simulators/whatsapp/server';
import { callApi } from './bench/api';
import { migratedDatabase, startRecado } from './bench/processes';
import { ascending, percentile, sleep } from './bench/stats';

const QUICK = process.env.QUICK === '1';
const INTENTS = Number(process.env.INTENTS ?? (QUICK ? 200 : 1_000));
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 16);
const SETTLE_TIMEOUT_MS = 1000 * Number(process.env.SETTLE_TIMEOUT_S ?? (QUICK ? 300 : 1200));
const DB = 'recado_bench_checkout';
const TOKEN = 'bench-pipedrive-token';

const log = (line: string) => process.stderr.write(`[bench:checkout] ${line}\n`);

async function main() {
  const started = Date.now();
  const database = await migratedDatabase(DB);
  const [wa, pipedrive, pagarme] = await Promise.all([
    startWhatsAppSimulator({ webhookUrl: null, statusDelayMs: 50, pairRateLimit: false }),
    startPipedriveSimulator({ apiTokens: { [TOKEN]: 1 }, dailyWriteLimit: 1_000_000 }),
    startPagarmeSimulator(),
  ]);
  const recado = startRecado({
    bench: 'checkout',
    databaseUrl: database.url,
    ports: { from: 3950, count: 40 },
    env: {
      WHATSAPP_GRAPH_URL: wa.url,
      PIPEDRIVE_API_URL: pipedrive.url,
      PAGARME_API_URL: pagarme.url,
      // Nothing abandons or parks during the bench: it measures the happy path under Pipedrive's limits.
      CHECKOUT_ABANDON_AFTER: '1d',
      CHECKOUT_CRM_RETRY_BUDGET: '1d',
    },
    log,
  });
  const { url: api, config } = recado;
  const db = new Client({ connectionString: database.url });
  await db.connect();

  try {
    await recado.ready();
    const account = await callApi(api, config.adminToken, 'POST', '/v1/admin/accounts', { name: 'Bench checkout' });
    const key: string = account.api_key.key;
    await callApi(api, key, 'PUT', '/v1/crm-connection', { provider: 'pipedrive', api_token: TOKEN });
    const number = await callApi(api, key, 'POST', '/v1/whatsapp-numbers', {
      phone_number_id: String(randomInt(100_000_000, 999_999_999)),
      waba_id: '102290129340398',
      display_phone_number: '+55 11 4000-0000',
      access_token: 'bench-token',
    });
    const store = await callApi(api, key, 'POST', '/v1/stores', {
      platform: 'pagarme',
      name: 'Loja bench',
      channel_account_id: number.id,
      secrets: { api_key: 'sk_test_simulator', basic_auth_user: 'bench', basic_auth_password: 'bench-hook' },
    });
    pagarme.simulator.webhooks.configure({ url: store.webhook_url, basic_auth_user: 'bench', basic_auth_password: 'bench-hook' });

    // Warm-up (JIT, pools): not measured.
    await askAll(api, key, store.id, 20, 0, 4);
    const asking = performance.now();
    const asked = await askAll(api, key, store.id, INTENTS, 1_000, CONCURRENCY);
    const askingS = (performance.now() - asking) / 1000;
    const links = ascending(asked.map((a) => a.ms));
    log(`${INTENTS} intents in ${askingS.toFixed(1)} s: link p50 ${percentile(links, 50)} ms, p99 ${percentile(links, 99)} ms`);

    const ids = asked.map((a) => a.intent.id);
    await settle(db, 'deals', `SELECT count(*)::int AS n FROM checkout_intents WHERE id = ANY($1) AND crm_deal_id IS NOT NULL`, ids);
    const { rows: dealLags } = await db.query<{ s: number }>(
      `SELECT extract(epoch FROM updated_at - created_at)::float8 AS s FROM checkout_intents WHERE id = ANY($1) AND crm_deal_id IS NOT NULL`,
      [ids],
    );
    const deals = ascending(dealLags.map((r) => r.s));

    const paidAt = new Map<string, number>();
    let next = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < asked.length) {
        const { intent } = asked[next++];
        paidAt.set(intent.id, Date.now());
        pagarme.simulator.receivePayment(intent.gateway_reference);
      }
    }));
    await settle(db, 'won deals', `SELECT count(*)::int AS n FROM checkout_intents WHERE id = ANY($1) AND crm_won_at IS NOT NULL`, ids);
    const { rows: wonRows } = await db.query<{ id: string; won: Date | null }>(`SELECT id, crm_won_at AS won FROM checkout_intents WHERE id = ANY($1)`, [ids]);
    const won = ascending(wonRows.filter((r) => r.won).map((r) => r.won!.getTime() - paidAt.get(r.id)!));
    const state = pipedrive.simulator.state();
    const perPerson = new Map<number, number>();
    for (const d of state.deals) perPerson.set(d.person_id as number, (perPerson.get(d.person_id as number) ?? 0) + 1);
    const summary = {
      intents: INTENTS,
      intents_per_s: Math.round(INTENTS / askingS),
      link_p50_ms: round(percentile(links, 50)),
      link_p99_ms: round(percentile(links, 99)),
      deal_p50_s: round(percentile(deals, 50)),
      deal_p99_s: round(percentile(deals, 99)),
      crm_429: pipedrive.simulator.requests().filter((r) => r.status === 429).length,
      won_p50_ms: round(percentile(won, 50)),
      won_p99_ms: round(percentile(won, 99)),
      duplicate_deals: [...perPerson.values()].reduce((sum, n) => sum + n - 1, 0),
      lost: wonRows.filter((r) => !r.won).length,
    };
    log(`done in ${Math.round((Date.now() - started) / 1000)} s`);
    console.log(JSON.stringify(summary));
  } finally {
    await recado.stop();
    await db.end();
    await Promise.all([wa.close(), pipedrive.close(), pagarme.close()]);
    await sleep(1000);
    await database.drop();
  }
}

type Asked = { ms: number; intent: { id: string; gateway_reference: string } };

/** `count` customers (numbered from `from`) ask for an intent each over `concurrency` connections. */
async function askAll(api: string, key: string, storeId: string, count: number, from: number, concurrency: number): Promise<Asked[]> {
  const out: Asked[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) {
      const n = from + next++;
      const t0 = performance.now();
      const intent = await callApi(api, key, 'POST', '/v1/checkout-intents', {
        store_id: storeId,
        customer: { name: `Cliente ${n}`, email: `cliente${n}@example.com`, phone: `(11) 9${String(10_000_000 + n).slice(-8)}` },
        product: { name: 'Curso online', plan: 'Mensal' },
        amount: { amount_minor: '9700', currency: 'BRL' },
      });
      out.push({ ms: performance.now() - t0, intent });
      if (out.length % 200 === 0) log(`asked: ${out.length} / ${count}`);
    }
  }));
  return out;
}

/** Waits until `sql` counts every intent, logging progress. */
async function settle(db: Client, what: string, sql: string, ids: string[]): Promise<void> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  let lastLog = 0;
  for (;;) {
    const n = (await db.query<{ n: number }>(sql, [ids])).rows[0].n;
    if (n >= ids.length) return;
    if (Date.now() > deadline) {
      log(`${what}: only ${n} / ${ids.length} after ${SETTLE_TIMEOUT_MS / 1000} s`);
      return;
    }
    if (Date.now() - lastLog > 5_000) {
      log(`${what}: ${n} / ${ids.length}`);
      lastLog = Date.now();
    }
    await sleep(250);
  }
}

const round = (n: number | null) => (n === null ? null : Math.round(n * 10) / 10);

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
