/**
 * npm run bench:calls — how fast a customer's call is answered: from the moment the customer
 * calls (Meta's connect webhook leaves the WhatsApp simulator) to Meta receiving the business's
 * `accept` for that call. In between: the signed webhook, storage, inboundCallWorkflow start,
 * screening, the ring offer over SSE, the agent's accept (a bot that accepts at once), the
 * Temporal update, and the Connector's pre_accept/accept to Meta.
 *
 * CONCURRENT calls ring at once (default 50), ROUNDS times (default 4; QUICK=1: 1 round of 10).
 * Runs the API and simulators in this process and the worker in its own, against the local stack
 * (scripts/stack.mjs provides Postgres and Temporal). The last line printed is one JSON object.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import * as path from 'node:path';
import * as os from 'node:os';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config/config';
import { createLogger } from '../src/common/logger';
import { migrate } from '../src/db/migrate';
import { startLiveKitConnectorSimulator } from '../src/simulators/livekit-connector/server';
import { startWhatsAppSimulator } from '../src/simulators/whatsapp/server';

const QUICK = process.env.QUICK === '1';
const CONCURRENT = Number(process.env.CONCURRENT ?? (QUICK ? 10 : 50));
const ROUNDS = Number(process.env.ROUNDS ?? (QUICK ? 1 : 4));

async function call(base: string, token: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
  return text ? JSON.parse(text) : {};
}

/** An agent bot: listens to its realtime stream and accepts every call offered to it. */
function agentBot(base: string, token: string, onError: (err: Error) => void) {
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
          call(base, token, 'POST', `/v1/calls/${data.call_id}/accept`).catch(onError);
        }
      }
    };
    loop().catch((err: Error) => {
      if (err.name !== 'AbortError') onError(err);
    });
  })();
  return { ready, stop: () => controller.abort() };
}

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round(sorted[Math.max(0, index)] * 10) / 10;
}

async function main() {
  const started = Date.now();
  const base = loadConfig();
  // A database of its own, so the bench neither sees nor leaves dev data.
  const dbUrl = new URL(base.databaseUrl);
  const admin = new (await import('pg')).Client({ connectionString: dbUrl.toString() });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS recado_bench WITH (FORCE)');
  await admin.query('CREATE DATABASE recado_bench');
  await admin.end();
  dbUrl.pathname = '/recado_bench';
  await migrate(dbUrl.toString());

  const sim = await startWhatsAppSimulator({ webhookUrl: null, statusDelayMs: 50, pairRateLimit: false, throughputPerSecond: 10_000 });
  const connector = await startLiveKitConnectorSimulator({ apiKey: base.livekit.apiKey, apiSecret: base.livekit.apiSecret, graphUrl: sim.url });
  const config = loadConfig({
    ...process.env,
    LOG_LEVEL: 'warn',
    DATABASE_URL: dbUrl.toString(),
    TEMPORAL_TASK_QUEUE: `bench-${randomBytes(4).toString('hex')}`,
    WHATSAPP_GRAPH_URL: sim.url,
    LIVEKIT_CONNECTOR_URL: connector.url,
    CALL_ANSWER_WINDOW: '30s',
  });
  const app = await createApp(config, createLogger('warn', 'bench-api'));
  await app.listen(0, '127.0.0.1');
  const api = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  sim.simulator.setWebhookUrl(`${api}/v1/webhooks/whatsapp`);
  // The worker in its own process, as deployed: the API, simulators and agent bots share this one.
  const worker = spawn(process.execPath, [path.join(__dirname, '..', 'src', 'worker.js')], {
    env: { ...process.env, LOG_LEVEL: 'info', DATABASE_URL: dbUrl.toString(), TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
      WHATSAPP_GRAPH_URL: sim.url, LIVEKIT_CONNECTOR_URL: connector.url },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    worker.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('worker running') && resolve());
    worker.on('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });

  const account = await call(api, config.adminToken, 'POST', '/v1/admin/accounts', { name: 'Bench' });
  const key: string = account.api_key.key;
  const phoneNumberId = String(randomInt(100_000_000, 999_999_999));
  await call(api, key, 'POST', '/v1/whatsapp-numbers', {
    phone_number_id: phoneNumberId,
    waba_id: '102290129340398',
    display_phone_number: '+55 11 4000-0000',
    access_token: 'bench-token',
  });

  // One agent per concurrent call, each assigned to its own customer: they ring first and alone.
  const errors: Error[] = [];
  const bots = [];
  const customers: string[] = [];
  for (let i = 0; i < CONCURRENT; i++) {
    const agent = await call(api, key, 'POST', '/v1/agents', { name: `Bot ${i}`, email: `bot${i}@bench.example` });
    const waId = `5511${String(900_000_000 + i)}`;
    const contact = await call(api, key, 'POST', '/v1/contacts', { wa_id: waId });
    await call(api, key, 'PUT', `/v1/contacts/${contact.id}/assigned-agent`, { assigned_agent_id: agent.agent.id });
    const bot = agentBot(api, agent.api_key.key, (err) => errors.push(err));
    await bot.ready;
    bots.push(bot);
    customers.push(waId);
  }
  await new Promise((r) => setTimeout(r, 500));

  const latencies: number[] = [];
  // Where the time goes: Meta → recado (webhook stored, workflow started), then recado → Meta's accept.
  const toRecado: number[] = [];
  const db = new (await import('pg')).Pool({ connectionString: dbUrl.toString(), max: 2 });
  for (let round = 0; round < ROUNDS; round++) {
    const calls = customers.map((waId) => sim.simulator.customerCalls(waId, { phoneNumberId }));
    const deadline = Date.now() + 30_000;
    while (calls.some((c) => c.acceptedAt === undefined) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const answered = calls.filter((c) => c.acceptedAt !== undefined);
    if (answered.length < calls.length) errors.push(new Error(`round ${round}: ${calls.length - answered.length} calls not answered`));
    latencies.push(...answered.map((c) => c.acceptedAt! - c.createdAt));
    const stored = await db.query<{ whatsapp_call_id: string; created_at: Date }>(
      'SELECT whatsapp_call_id, created_at FROM calls WHERE whatsapp_call_id = ANY($1)',
      [answered.map((c) => c.id)],
    );
    for (const row of stored.rows) toRecado.push(row.created_at.getTime() - calls.find((c) => c.id === row.whatsapp_call_id)!.createdAt);
    for (const c of answered) sim.simulator.customerEndsCall(c.id);
    console.error(`[bench:calls] round ${round + 1}/${ROUNDS}: ${answered.length}/${calls.length} answered`);
    await new Promise((r) => setTimeout(r, 1000));
  }

  // Let the ended calls' workflows finish before the worker goes away.
  const settleBy = Date.now() + 15_000;
  while (Date.now() < settleBy && (await call(api, key, 'GET', '/v1/calls/ongoing')).length) await new Promise((r) => setTimeout(r, 200));
  for (const bot of bots) bot.stop();
  await db.end();
  worker.kill('SIGTERM');
  await new Promise((r) => worker.once('exit', r));
  await app.close();
  await connector.close();
  await sim.close();

  const sorted = [...latencies].sort((a, b) => a - b);
  const reached = [...toRecado].sort((a, b) => a - b);
  const result = {
    calls: latencies.length,
    concurrent: CONCURRENT,
    answer_p50_ms: percentile(sorted, 50),
    answer_p95_ms: percentile(sorted, 95),
    answer_p99_ms: percentile(sorted, 99),
    answer_max_ms: sorted[sorted.length - 1] ?? null,
    webhook_stored_p50_ms: percentile(reached, 50),
    webhook_stored_p95_ms: percentile(reached, 95),
    errors: errors.length,
    ...(errors.length ? { first_error: errors[0].message } : {}),
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
