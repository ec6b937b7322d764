/**
 * npm run bench:calls — how fast a customer's call is answered: from the moment the customer
 * calls (Meta's connect webhook leaves the WhatsApp simulator) to Meta receiving the business's
 * `accept` for that call. In between: the signed webhook, storage, inboundCallWorkflow start,
 * screening, the ring offer over SSE, the agent's accept (a bot that accepts at once), the
 * Temporal update, and the Connector's pre_accept/accept to Meta.
 *
 * Two load shapes, CONCURRENT customers (default 50), each with an agent assigned to them:
 * - steady: CONCURRENT calls are live at all times. Each customer calls, talks TALK_MS (± 50 %,
 *   default 10 s) once answered, hangs up and calls again, for DURATION_S (default 60 s). This is
 *   the headline figure: the answer time of a business holding CONCURRENT calls.
 * - burst: all CONCURRENT customers call within the same millisecond, once — the worst case, where
 *   every call queues behind the others for the machine's cores.
 * Ten calls warm the system up first, unmeasured. QUICK=1: 10 customers talking 3 s, for 15 s.
 * The API and the worker run in processes of their own, the simulators and agent bots in this one,
 * against the local stack (scripts/stack.mjs), in a database of its own and Temporal's recado-bench
 * namespace: the bench never adds to what the app's namespace shows, and it terminates whatever it
 * left running there (`left_running` in the JSON).
 * The last line printed is one JSON object.
 */
import { randomInt } from 'node:crypto';
import * as os from 'node:os';
import { Pool } from 'pg';
import { loadConfig } from '../src/config/config';
import { startLiveKitConnectorSimulator } from '../src/simulators/livekit-connector/server';
import { startWhatsAppSimulator } from '../src/simulators/whatsapp/server';
import type { SimCall } from '../src/simulators/whatsapp/calls';
import { percentile } from './bench/stats';
import { callApi } from './bench/api';
import { migratedDatabase, startRecado } from './bench/processes';

const QUICK = process.env.QUICK === '1';
const CONCURRENT = Number(process.env.CONCURRENT ?? (QUICK ? 10 : 50));
const DURATION_MS = 1000 * Number(process.env.DURATION_S ?? (QUICK ? 15 : 60));
const TALK_MS = Number(process.env.TALK_MS ?? (QUICK ? 3_000 : 10_000));
/** RECORDING=off turns the account's recording off, to see what recording costs the answer. */
const RECORDING = process.env.RECORDING ?? 'on';
/** Extra node options for the worker process, e.g. WORKER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof". */
const WORKER_NODE_ARGS = (process.env.WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean);
const WARM_UP_CALLS = 10;
const ANSWER_TIMEOUT_MS = 30_000;
const DB = 'recado_bench_calls';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => process.stderr.write(`[bench:calls] ${line}\n`);

/** An agent bot: listens to its realtime stream and accepts every call offered to it. */
function agentBot(base: string, token: string, offeredAt: Map<string, number>, onError: (err: Error) => void) {
  const controller = new AbortController();
  const ready = (async () => {
    const res = await fetch(`${base}/v1/events?access_token=${token}`, { signal: controller.signal });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    const loop = async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (!block.includes('event: call.offered')) continue;
          const data = JSON.parse(block.split('\n').find((l) => l.startsWith('data:'))!.slice(5));
          offeredAt.set(data.call_id, Date.now());
          callApi(base, token, 'POST', `/v1/calls/${data.call_id}/accept`).catch(onError);
        }
      }
    };
    loop().catch((err: Error) => {
      if (err.name !== 'AbortError') onError(err);
    });
  })();
  return { ready, stop: () => controller.abort() };
}

async function main() {
  const started = Date.now();
  const base = loadConfig();
  // A database of its own, so the bench neither sees nor leaves dev data.
  const database = await migratedDatabase(DB);
  const sim = await startWhatsAppSimulator({ webhookUrl: null, statusDelayMs: 50, pairRateLimit: false, throughputPerSecond: 10_000 });
  const connector = await startLiveKitConnectorSimulator({ apiKey: base.livekit.apiKey, apiSecret: base.livekit.apiSecret, graphUrl: sim.url });
  const recado = startRecado({
    bench: 'calls',
    databaseUrl: database.url,
    ports: { from: 3100, count: 100 },
    env: { WHATSAPP_GRAPH_URL: sim.url, LIVEKIT_CONNECTOR_URL: connector.url, CALL_ANSWER_WINDOW: '30s' },
    // The worker's info lines are part of what it costs per call.
    workerEnv: { LOG_LEVEL: 'info' },
    workerNodeArgs: WORKER_NODE_ARGS,
    log,
  });
  const { url: api, config } = recado;
  await Promise.all([recado.ready(), recado.workerReady()]);
  sim.simulator.setWebhookUrl(`${api}/v1/webhooks/whatsapp`);

  const account = await callApi(api, config.adminToken, 'POST', '/v1/admin/accounts', { name: 'Bench' });
  const key: string = account.api_key.key;
  if (RECORDING === 'off') await callApi(api, key, 'PUT', '/v1/call-recording-settings', { enabled: false, retention_days: null, consent_message: null });
  const phoneNumberId = String(randomInt(100_000_000, 999_999_999));
  await callApi(api, key, 'POST', '/v1/whatsapp-numbers', {
    phone_number_id: phoneNumberId,
    waba_id: '102290129340398',
    display_phone_number: '+55 11 4000-0000',
    access_token: 'bench-token',
  });

  // One agent per concurrent call, each assigned to its own customer: they ring first and alone.
  const errors: Error[] = [];
  const offeredAt = new Map<string, number>();
  const bots = [];
  const customers: string[] = [];
  for (let i = 0; i < CONCURRENT; i++) {
    const agent = await callApi(api, key, 'POST', '/v1/agents', { name: `Bot ${i}`, email: `bot${i}@bench.example` });
    const waId = `5511${String(900_000_000 + i)}`;
    const contact = await callApi(api, key, 'POST', '/v1/contacts', { wa_id: waId });
    await callApi(api, key, 'PUT', `/v1/contacts/${contact.id}/assigned-agent`, { assigned_agent_id: agent.agent.id });
    const bot = agentBot(api, agent.api_key.key, offeredAt, (err) => errors.push(err));
    await bot.ready;
    bots.push(bot);
    customers.push(waId);
  }
  await sleep(500);

  /** Answer times of calls, and where they went: webhook stored (call row), agent rung (offer on SSE). */
  const db = new Pool({ connectionString: database.url, max: 2 });
  const measure = async (calls: SimCall[]) => {
    const answered = calls.filter((c) => c.acceptedAt !== undefined);
    if (answered.length < calls.length) errors.push(new Error(`${calls.length - answered.length} of ${calls.length} calls not answered`));
    const stored = await db.query<{ id: string; whatsapp_call_id: string; created_at: Date }>(
      'SELECT id, whatsapp_call_id, created_at FROM calls WHERE whatsapp_call_id = ANY($1)',
      [answered.map((c) => c.id)],
    );
    const byMetaId = new Map(answered.map((c) => [c.id, c]));
    const stages = { answer: answered.map((c) => c.acceptedAt! - c.createdAt), stored: [] as number[], rung: [] as number[] };
    for (const row of stored.rows) {
      const createdAt = byMetaId.get(row.whatsapp_call_id)!.createdAt;
      stages.stored.push(row.created_at.getTime() - createdAt);
      const offered = offeredAt.get(row.id);
      if (offered !== undefined) stages.rung.push(offered - createdAt);
    }
    return stages;
  };
  const waitAnswered = async (calls: SimCall[]) => {
    const deadline = Date.now() + ANSWER_TIMEOUT_MS;
    while (calls.some((c) => c.acceptedAt === undefined) && Date.now() < deadline) await sleep(20);
  };

  // Warm-up, not measured: the first calls after start pay for loading and compiling code.
  for (let i = 0; i < WARM_UP_CALLS; i++) {
    const c = sim.simulator.customerCalls(customers[i % customers.length], { phoneNumberId });
    await waitAnswered([c]);
    if (c.acceptedAt !== undefined) sim.simulator.customerEndsCall(c.id);
  }
  await sleep(1000);

  // Burst: everyone calls at once.
  const burstCalls = customers.map((waId) => sim.simulator.customerCalls(waId, { phoneNumberId }));
  await waitAnswered(burstCalls);
  const burst = await measure(burstCalls);
  for (const c of burstCalls) if (c.acceptedAt !== undefined) sim.simulator.customerEndsCall(c.id);
  log(`burst: ${burst.answer.length}/${burstCalls.length} answered`);
  await sleep(2000);

  // Steady: CONCURRENT live calls; each customer starts at a random point of a talk period.
  const steadyCalls: SimCall[] = [];
  const steadyStarted = Date.now();
  const endAt = steadyStarted + DURATION_MS;
  let progress = steadyStarted;
  const customer = async (waId: string) => {
    await sleep(Math.random() * TALK_MS);
    while (Date.now() < endAt) {
      const c = sim.simulator.customerCalls(waId, { phoneNumberId });
      steadyCalls.push(c);
      await waitAnswered([c]);
      if (c.acceptedAt === undefined) continue;
      await sleep(TALK_MS * (0.5 + Math.random()));
      sim.simulator.customerEndsCall(c.id);
      if (Date.now() - progress > 10_000) {
        progress = Date.now();
        log(`steady: ${Math.round((progress - steadyStarted) / 1000)} s, ${steadyCalls.length} calls`);
      }
    }
  };
  await Promise.all(customers.map(customer));
  const steady = await measure(steadyCalls);

  // Let the ended calls' workflows finish before the worker goes away.
  const settleBy = Date.now() + 15_000;
  while (Date.now() < settleBy && (await callApi(api, key, 'GET', '/v1/calls/ongoing')).length) await new Promise((r) => setTimeout(r, 200));
  for (const bot of bots) bot.stop();
  await db.end();
  // Nobody polls the bench's task queues once it is done: what still runs there would run forever.
  const leftRunning = await recado.stop();
  await connector.close();
  await sim.close();
  await database.drop();

  const summary = (stages: Awaited<ReturnType<typeof measure>>) => {
    const [answer, stored, rung] = [stages.answer, stages.stored, stages.rung].map((v) => [...v].sort((a, b) => a - b));
    return {
      answer_p50_ms: percentile(answer, 50),
      answer_p95_ms: percentile(answer, 95),
      answer_p99_ms: percentile(answer, 99),
      answer_max_ms: answer[answer.length - 1] ?? null,
      webhook_stored_p50_ms: percentile(stored, 50),
      webhook_stored_p95_ms: percentile(stored, 95),
      agent_rung_p50_ms: percentile(rung, 50),
      agent_rung_p95_ms: percentile(rung, 95),
    };
  };
  const result = {
    calls: steady.answer.length,
    concurrent: CONCURRENT,
    ...summary(steady),
    calls_per_s: Math.round((steady.answer.length / (DURATION_MS / 1000)) * 10) / 10,
    talk_ms: TALK_MS,
    burst: { calls: burst.answer.length, ...summary(burst) },
    errors: errors.length,
    left_running: leftRunning,
    ...(errors.length ? { first_error: errors[0].message } : {}),
    recording: RECORDING,
    machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    elapsed_s: Math.round((Date.now() - started) / 1000),
  };
  console.log(JSON.stringify(result));
  process.exit(errors.length ? 1 : 0);
}

main().catch((err: unknown) => {
  console.error(err);
  console.log(JSON.stringify({ error: err instanceof Error ? err.message : String(err) }));
  process.exit(1);
});
