/**
 * npm run bench:postcall — what the post-call pipeline adds beyond the AI provider's own work,
 * and what recording costs.
 *
 * Pipeline: CALLS (default 3) two-party calls of CALL_S (default 300) seconds each — a customer's
 * and an agent's 48 kHz recording of alternating espeak-ng turns, as the recorder writes them
 * (each over the 25 MB upload limit, so every speaker goes in two parts) — run one after the other
 * through postCallWorkflow against the OpenAI simulator. For each call, overhead = the workflow's
 * wall time − the provider's processing on the critical path (the slower speaker's transcription
 * parts, `openai-processing-ms`, plus the summary's).
 * Recording: see recorder-load.ts (RECORD_CALLS rooms at once, RECORD_S seconds).
 * The API and the worker run in processes of their own, the OpenAI simulator in this one; Temporal
 * namespace recado-bench, a database of its own; the last line printed is one JSON object.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Pool } from 'pg';
import { speakToWav } from '../src/media/speech';
import { encodeWav, parseWav } from '../src/media/wav';
import { LocalRecordingStorage } from '../src/recording/storage';
import { startOpenAISimulator } from '../src/simulators/openai/server';
import { postCallWorkflow, postCallWorkflowId } from '../workflows/post-call.workflow';
import { ascending, percentile } from './bench/stats';
import { measureRecorder } from './bench/recorder-load';
import { migratedDatabase, startRecado } from './bench/processes';

const CALLS = Number(process.env.CALLS ?? 3);
const CALL_S = Number(process.env.CALL_S ?? 300);
const RECORD_CALLS = Number(process.env.RECORD_CALLS ?? 2);
const RECORD_S = Number(process.env.RECORD_S ?? 30);
const DB = 'recado_bench_postcall';
const SAMPLE_RATE = 48_000;

const log = (line: string) => process.stderr.write(`[bench:postcall] ${line}\n`);

const CUSTOMER_TURNS = [
  'hello I would like to know where my order is',
  'it was supposed to arrive yesterday and nothing came',
  'yes the number is one two three four five',
  'thank you that is great please send me the tracking code',
];
const AGENT_TURNS = [
  'good morning this is the pharmacy how can I help you',
  'let me check your order number please',
  'your order left the warehouse today and will arrive tomorrow morning',
  'of course I will send it to you now have a nice day',
];

/** Two speaker tracks of `seconds`, the speakers taking turns, each silent while the other speaks. */
async function conversation(seconds: number): Promise<{ customer: Int16Array; agent: Int16Array }> {
  const customerTurns = await Promise.all(CUSTOMER_TURNS.map(async (t) => parseWav(await speakToWav(t, { sampleRate: SAMPLE_RATE })).samples));
  const agentTurns = await Promise.all(AGENT_TURNS.map(async (t) => parseWav(await speakToWav(t, { sampleRate: SAMPLE_RATE })).samples));
  const total = seconds * SAMPLE_RATE;
  const customer = new Int16Array(total);
  const agent = new Int16Array(total);
  const pause = Math.round(0.6 * SAMPLE_RATE);
  for (let at = 0, turn = 0; at < total; turn++) {
    const [track, clip] = turn % 2 === 0 ? [customer, customerTurns[(turn / 2) % 4]] : [agent, agentTurns[((turn - 1) / 2) % 4]];
    track.set(clip.subarray(0, Math.max(0, Math.min(clip.length, total - at))), at);
    at += clip.length + pause;
  }
  return { customer, agent };
}

interface ActivityCall {
  name: string;
  input: Record<string, unknown>;
  result: Record<string, unknown> | null;
}

/** The activities a workflow ran, with their inputs and results, from its history. */
async function activitiesOf(client: Client, workflowId: string): Promise<ActivityCall[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const decode = (payloads?: { data?: Uint8Array | null }[] | null) =>
    payloads?.[0]?.data?.length ? JSON.parse(Buffer.from(payloads[0].data).toString('utf8')) : null;
  const scheduled = new Map<string, ActivityCall>();
  const calls: ActivityCall[] = [];
  for (const event of history.events ?? []) {
    const s = event.activityTaskScheduledEventAttributes;
    if (s) scheduled.set(String(event.eventId), { name: s.activityType?.name ?? '', input: decode(s.input?.payloads), result: null });
    const c = event.activityTaskCompletedEventAttributes;
    if (c) {
      const call = scheduled.get(String(c.scheduledEventId));
      if (call) calls.push({ ...call, result: decode(c.result?.payloads) });
    }
  }
  return calls;
}

/** The provider's work on the critical path: the slowest speaker's parts (speakers run in parallel), then the summary. */
function providerCriticalPathMs(calls: ActivityCall[]): number {
  const perRecording = new Map<string, number>();
  let summary = 0;
  for (const c of calls) {
    const ms = Number(c.result?.providerMs ?? 0);
    if (c.name === 'transcribeRecordingPart') perRecording.set(String(c.input.recordingId), (perRecording.get(String(c.input.recordingId)) ?? 0) + ms);
    if (c.name === 'summarizeCall') summary += ms;
  }
  return Math.max(0, ...perRecording.values()) + summary;
}

async function main() {
  const database = await migratedDatabase(DB);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'recado-bench-postcall-'));
  const openai = await startOpenAISimulator({ recogniserWorkers: 2 });
  const recado = startRecado({
    bench: 'postcall',
    databaseUrl: database.url,
    ports: { from: 3200, count: 100 },
    env: { OPENAI_API_KEY: 'sk-recado-bench', OPENAI_BASE_URL: openai.baseURL, RECORDING_DIR: dir },
    log,
  });
  const { url: api, config } = recado;
  await Promise.all([recado.ready(), recado.workerReady()]);
  const connection = await Connection.connect({ address: config.temporal.address });
  const temporal = new Client({ connection, namespace: config.temporal.namespace });
  const pool = new Pool({ connectionString: database.url });
  const storage = new LocalRecordingStorage(dir);

  const post = async (token: string, route: string, body: unknown) => {
    const res = await fetch(`${api}${route}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`POST ${route} → ${res.status} ${await res.text()}`);
    return (await res.json()) as any;
  };
  const account = await post(config.adminToken, '/v1/admin/accounts', { name: 'Bench pós-chamada' });
  const key: string = account.api_key.key;
  const number = await post(key, '/v1/whatsapp-numbers', {
    phone_number_id: String(Date.now()).slice(-12),
    waba_id: '102290129340398',
    display_phone_number: '+55 11 4000-0000',
    access_token: 'bench-token',
  });
  const agent = await post(key, '/v1/agents', { name: 'Ana', email: `ana-${randomUUID()}@example.com` });
  const { customer, agent: agentTrack } = await conversation(CALL_S);

  const overheads: number[] = [];
  const providers: number[] = [];
  const walls: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const contact = await post(key, '/v1/contacts', { name: `Cliente ${i}`, identities: [{ type: 'whatsapp', value: `55119${String(10_000_000 + i)}` }] });
    const callId = randomUUID();
    await pool.query(
      `INSERT INTO calls (id, account_id, whatsapp_number_id, contact_id, direction, state, room_name, agent_id, accepted_at, ended_at)
       VALUES ($1, $2, $3, $4, 'business_initiated', 'completed', $5, $6, now() - make_interval(secs => $7), now())`,
      [callId, account.account.id, number.id, contact.id, `call-${callId}`, agent.agent.id, CALL_S],
    );
    for (const [speaker, samples] of [['customer', customer], ['agent', agentTrack]] as const) {
      const file = encodeWav({ sampleRate: SAMPLE_RATE, channels: 1, samples });
      const storageKey = `accounts/${account.account.id}/calls/${callId}/${speaker}.wav`;
      await storage.put(storageKey, { bytes: file }, 'audio/wav');
      await pool.query(
        `INSERT INTO call_recordings (id, account_id, call_id, kind, speaker, agent_id, storage_key, content_type, bytes, duration_ms,
           sample_rate, channels, offset_ms, recorder)
         VALUES ($1, $2, $3, 'speaker', $4, $5, $6, 'audio/wav', $7, $8, $9, 1, 0, 'participant')`,
        [randomUUID(), account.account.id, callId, speaker, speaker === 'agent' ? agent.agent.id : null, storageKey, file.length, CALL_S * 1000, SAMPLE_RATE],
      );
    }
    const started = Date.now();
    const result = await temporal.workflow.execute(postCallWorkflow, {
      taskQueue: config.temporal.taskQueue,
      workflowId: postCallWorkflowId(callId),
      args: [{ accountId: account.account.id, callId, recording: { status: 'recorded', files: 2 } }],
    });
    const wall = Date.now() - started;
    if (result.transcription !== 'done' || result.summary !== 'done') throw new Error(`call ${i}: ${JSON.stringify(result)}`);
    const provider = providerCriticalPathMs(await activitiesOf(temporal, postCallWorkflowId(callId)));
    walls.push(wall);
    providers.push(provider);
    overheads.push(wall - provider);
    console.log(`call ${i + 1}/${CALLS}: ${wall} ms, provider ${provider} ms on the critical path, overhead ${wall - provider} ms`);
  }

  console.log(`recording ${RECORD_CALLS} calls at once for ${RECORD_S} s…`);
  const recorder = await measureRecorder({ livekit: config.livekit, calls: RECORD_CALLS, seconds: RECORD_S, workDir: dir });

  await recado.stop();
  await connection.close();
  await pool.end();
  await openai.close();
  await database.drop();
  await rm(dir, { recursive: true, force: true });
  const sorted = ascending(overheads);
  console.log(
    JSON.stringify({
      calls: CALLS,
      audio_s: CALLS * CALL_S * 2,
      pipeline_overhead_p50_ms: percentile(sorted, 50),
      pipeline_overhead_p95_ms: percentile(sorted, 95),
      pipeline_wall_p50_ms: percentile(ascending(walls), 50),
      provider_critical_path_p50_ms: percentile(ascending(providers), 50),
      recorder_cpu_pct_per_call: recorder.cpuPctPerCall,
      recorder_calls_measured: RECORD_CALLS,
      recorder_calls_at_once_estimate: recorder.callsAtOnceEstimate,
      cores: os.cpus().length,
    }),
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
