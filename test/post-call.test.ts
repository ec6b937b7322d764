import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Pool } from 'pg';
import { speakToWav } from '../src/media/speech';
import { encodeWav, parseWav, type PcmAudio } from '../src/media/wav';
import { LocalRecordingStorage } from '../src/recording/storage';
import { startOpenAISimulator, type RunningOpenAISimulator } from '../src/simulators/openai/server';
import { parseCallSummary } from '../src/calls/postcall/summary-schema';
import { splitForUpload } from '../src/calls/postcall/audio-parts';
import type { TranscriptLine } from '../src/calls/postcall/transcript';
import { postCallWorkflow, postCallWorkflowId, type PostCallInput } from '../workflows/post-call.workflow';
import { wordShare } from './support/audio-checks';
import { createTenant, spawnWorker, startApi, startWorker, temporalClient, testConfig, type RunningApi } from './support/stack';

/**
 * The post-call workflow on the real stack: recordings of a call (espeak-ng English speech, as the
 * OpenAI simulator's recogniser knows only English) → transcription per speaker through the openai
 * client against the OpenAI simulator (pocketsphinx) → one transcript by time → a summary.
 */
const CUSTOMER_SAYS = 'hello I would like to know where my order is it was supposed to arrive yesterday';
const AGENT_SAYS = 'good morning this is the pharmacy your order will arrive tomorrow morning';
/** The share of spoken words the transcript must contain (measured on this machine: see README). */
const MIN_WORD_SHARE = 0.5;

describe('post-call: transcript and summary of a recorded call', () => {
  let api: RunningApi;
  let pool: Pool;
  let openai: RunningOpenAISimulator;
  let dir: string;
  let storage: LocalRecordingStorage;

  beforeAll(async () => {
    openai = await startOpenAISimulator();
    dir = await mkdtemp(path.join(os.tmpdir(), 'recado-postcall-'));
    storage = new LocalRecordingStorage(dir);
    const config = testConfig();
    api = await startApi(config);
    pool = new Pool({ connectionString: config.databaseUrl });
  });
  afterAll(async () => {
    await pool?.end();
    await api?.close();
    await openai?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Env of a worker that sends the AI steps to the simulator and reads recordings from the test's dir. */
  const aiEnv = (extra: Record<string, string> = {}) => ({
    OPENAI_API_KEY: 'sk-recado-test',
    OPENAI_BASE_URL: openai.baseURL,
    RECORDING_DIR: dir,
    ...extra,
  });

  /** An ended call of a tenant with an agent "Ana" and a customer "Maria", and a recording per speaker. */
  async function recordedCall(recordings: Array<{ speaker: 'customer' | 'agent'; audio: PcmAudio; offsetMs: number }>) {
    const config = testConfig();
    const tenant = await createTenant(api, config, 'Farmácia Pós-chamada');
    const agent = await tenant.call('POST', '/v1/agents', { name: 'Ana', email: `ana-${randomUUID()}@example.com` });
    const contact = await tenant.call('POST', '/v1/contacts', { name: 'Maria', identities: [{ type: 'whatsapp', value: `55119${Date.now() % 1e8}` }] });
    expect([agent.status, contact.status]).toEqual([201, 201]);
    const callId = randomUUID();
    await pool.query(
      `INSERT INTO calls (id, account_id, whatsapp_number_id, contact_id, direction, state, room_name, agent_id, accepted_at, ended_at)
       VALUES ($1, $2, $3, $4, 'business_initiated', 'completed', $5, $6, now() - interval '1 minute', now())`,
      [callId, tenant.accountId, tenant.numberId, contact.body.id, `call-${callId}`, agent.body.agent.id],
    );
    for (const r of recordings) {
      const key = `accounts/${tenant.accountId}/calls/${callId}/${r.speaker}.wav`;
      const file = encodeWav(r.audio);
      await storage.put(key, { bytes: file }, 'audio/wav');
      await pool.query(
        `INSERT INTO call_recordings (id, account_id, call_id, kind, speaker, agent_id, storage_key, content_type, bytes, duration_ms,
           sample_rate, channels, offset_ms, recorder)
         VALUES ($1, $2, $3, 'speaker', $4, $5, $6, 'audio/wav', $7, $8, $9, 1, $10, 'participant')`,
        [randomUUID(), tenant.accountId, callId, r.speaker, r.speaker === 'agent' ? agent.body.agent.id : null, key, file.length,
          Math.round((r.audio.samples.length / r.audio.sampleRate) * 1000), r.audio.sampleRate, r.offsetMs],
      );
    }
    return { accountId: tenant.accountId, callId };
  }

  const postcallRow = async (callId: string) => (await pool.query('SELECT * FROM call_postcall WHERE call_id = $1', [callId])).rows[0];
  const recorded = (ids: { accountId: string; callId: string }): PostCallInput => ({ ...ids, recording: { status: 'recorded', files: 2 } });

  it('transcribes each speaker, merges by time with speaker labels, and stores a summary that matches its schema', async () => {
    const config = testConfig(aiEnv());
    const worker = await startWorker(config);
    const temporal = await temporalClient(config);
    try {
      const customer = parseWav(await speakToWav(CUSTOMER_SAYS));
      const agent = parseWav(await speakToWav(AGENT_SAYS));
      const customerMs = (customer.samples.length / customer.sampleRate) * 1000;
      const ids = await recordedCall([
        { speaker: 'customer', audio: customer, offsetMs: 0 },
        { speaker: 'agent', audio: agent, offsetMs: Math.ceil(customerMs) + 500 },
      ]);
      const result = await temporal.workflow.execute(postCallWorkflow, {
        taskQueue: config.temporal.taskQueue,
        workflowId: postCallWorkflowId(ids.callId),
        args: [recorded(ids)],
      });
      expect(result).toEqual({ recording: 'done', transcription: 'done', summary: 'done' });

      const row = await postcallRow(ids.callId);
      expect([row.recording_status, row.transcription_status, row.summary_status]).toEqual(['done', 'done', 'done']);
      const transcript: TranscriptLine[] = row.transcript;
      const starts = transcript.map((l) => l.start_ms);
      expect(starts).toEqual([...starts].sort((a, b) => a - b));
      const customerLines = transcript.filter((l) => l.speaker === 'customer');
      const agentLines = transcript.filter((l) => l.speaker === 'agent');
      expect(customerLines.every((l) => l.name === 'Maria' && l.agent_id === null)).toBe(true);
      expect(agentLines.every((l) => l.name === 'Ana' && l.agent_id !== null)).toBe(true);
      // The agent spoke after the customer: every agent line comes after the customer's speech.
      expect(Math.min(...agentLines.map((l) => l.start_ms))).toBeGreaterThanOrEqual(Math.ceil(customerMs));
      expect(wordShare(CUSTOMER_SAYS, customerLines.map((l) => l.text).join(' '))).toBeGreaterThanOrEqual(MIN_WORD_SHARE);
      expect(wordShare(AGENT_SAYS, agentLines.map((l) => l.text).join(' '))).toBeGreaterThanOrEqual(MIN_WORD_SHARE);

      const summary = parseCallSummary(JSON.stringify({ ...row.summary, generated_by: undefined }));
      expect(summary.reason.length).toBeGreaterThan(0);
      expect(row.summary.generated_by).toEqual(expect.any(String));
    } finally {
      await temporal.connection.close();
      await worker.stop();
    }
  });

  it('skips the AI steps, saying why, when no AI provider is configured — and when nothing was recorded', async () => {
    const config = testConfig({ RECORDING_DIR: dir, OPENAI_API_KEY: '' });
    const worker = await startWorker(config);
    const temporal = await temporalClient(config);
    try {
      const ids = await recordedCall([{ speaker: 'customer', audio: parseWav(await speakToWav('hello')), offsetMs: 0 }]);
      const run = (input: PostCallInput, suffix = '') =>
        temporal.workflow.execute(postCallWorkflow, { taskQueue: config.temporal.taskQueue, workflowId: `${postCallWorkflowId(ids.callId)}${suffix}`, args: [input] });
      expect(await run(recorded(ids))).toEqual({ recording: 'done', transcription: 'skipped', summary: 'skipped' });
      let row = await postcallRow(ids.callId);
      expect(row.transcription_reason).toMatch(/no AI provider is configured/);
      expect(row.transcript).toBeNull();

      expect(await run({ ...ids, recording: { status: 'disabled', files: 0 } }, '-again')).toEqual({
        recording: 'skipped',
        transcription: 'skipped',
        summary: 'skipped',
      });
      row = await postcallRow(ids.callId);
      expect([row.recording_reason, row.transcription_reason]).toEqual(['recording is turned off for this account', 'there is no recording']);
    } finally {
      await temporal.connection.close();
      await worker.stop();
    }
  });

  it('an egress recording (one mixed file, no speaker files) skips transcription and summary, saying why', async () => {
    const config = testConfig(aiEnv());
    const worker = await startWorker(config);
    const temporal = await temporalClient(config);
    try {
      const ids = await recordedCall([]);
      await pool.query(
        `INSERT INTO call_recordings (id, account_id, call_id, kind, storage_key, content_type, bytes, duration_ms, sample_rate, channels, recorder)
         VALUES ($1, $2, $3, 'mixed', $4, 'audio/ogg', 1234, 4500, 48000, 2, 'egress')`,
        [randomUUID(), ids.accountId, ids.callId, `accounts/${ids.accountId}/calls/${ids.callId}/mixed.ogg`],
      );
      const result = await temporal.workflow.execute(postCallWorkflow, {
        taskQueue: config.temporal.taskQueue,
        workflowId: postCallWorkflowId(ids.callId),
        args: [{ ...ids, recording: { status: 'recorded', files: 1 } }],
      });
      expect(result).toEqual({ recording: 'done', transcription: 'skipped', summary: 'skipped' });
      const row = await postcallRow(ids.callId);
      expect([row.transcription_reason, row.summary_reason]).toEqual([
        'there is no per-speaker recording to transcribe (the egress recorder writes one mixed file)',
        'there is no transcript',
      ]);
      expect(row.transcript).toBeNull();
    } finally {
      await temporal.connection.close();
      await worker.stop();
    }
  });

  it('resumes after the worker dies mid-transcription: a long recording goes in parts, none transcribed twice into the result', async () => {
    // Over 1 MB of audio at the smallest upload limit: several parts.
    const limit = 1_000_000;
    const speech = parseWav(await speakToWav(CUSTOMER_SAYS));
    const period = speech.samples.length + speech.sampleRate * 2; // the sentence, then 2 s of silence
    const repeats = Math.ceil(limit / 2 / period) + 1;
    const joined = new Int16Array(repeats * period);
    for (let i = 0; i < repeats; i++) joined.set(speech.samples, i * period);
    const ids = await recordedCall([{ speaker: 'customer', audio: { ...speech, samples: joined }, offsetMs: 0 }]);
    const parts = splitForUpload({ dataBytes: joined.length * 2, sampleRate: speech.sampleRate, channels: 1 }, limit).length;
    expect(parts).toBeGreaterThan(1);
    const config = testConfig(aiEnv({ OPENAI_MAX_UPLOAD_BYTES: String(limit) }));
    const env = aiEnv({ OPENAI_MAX_UPLOAD_BYTES: String(limit) });
    const temporal = await temporalClient(config);
    // Every transcription answers late, so the worker can die while one is in flight.
    await fetch(`${openai.url}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ delayMs: 6000, count: 2, path: '/v1/audio' }),
    });
    await fetch(`${openai.url}/_sim/requests`, { method: 'DELETE' });
    let worker: ChildProcess | undefined = await spawnWorker(config, env);
    try {
      const handle = await temporal.workflow.start(postCallWorkflow, {
        taskQueue: config.temporal.taskQueue,
        workflowId: postCallWorkflowId(ids.callId),
        args: [{ ...ids, recording: { status: 'recorded', files: 1 } }],
      });
      const partsStored = async () => Number((await pool.query('SELECT count(*) FROM call_transcript_parts WHERE call_id = $1', [ids.callId])).rows[0].count);
      // The first part is stored and the second is in flight: the worker dies.
      for (let i = 0; i < 300 && (await partsStored()) < 1; i++) await new Promise((r) => setTimeout(r, 100));
      expect(await partsStored()).toBe(1);
      await new Promise((r) => setTimeout(r, 1000));
      worker.kill('SIGKILL');
      worker = await spawnWorker(config, env);

      expect(await handle.result()).toEqual({ recording: 'done', transcription: 'done', summary: 'done' });
      expect(await partsStored()).toBe(parts);
      const transcriptions = ((await (await fetch(`${openai.url}/_sim/requests`)).json()) as { data: Array<{ path: string }> }).data
        .filter((r) => r.path === '/v1/audio/transcriptions');
      // The simulator lists the requests it answered: the one in flight died with the worker, and
      // after the restart only the parts not stored yet went out — none was transcribed twice.
      expect(transcriptions.length).toBe(parts);
      const transcript: TranscriptLine[] = (await postcallRow(ids.callId)).transcript;
      const keys = transcript.map((l) => `${l.start_ms}:${l.text}`);
      expect(new Set(keys).size).toBe(keys.length);
      expect(Math.max(...transcript.map((l) => l.end_ms))).toBeGreaterThan(20_000);
    } finally {
      worker?.kill('SIGKILL');
      await fetch(`${openai.url}/_sim/faults`, { method: 'DELETE' });
      await temporal.connection.close();
    }
  }, 120_000);
});
