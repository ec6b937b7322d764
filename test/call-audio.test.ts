import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Pool } from 'pg';
import { joinRoom } from '../src/media/room-audio';
import { speakToWav } from '../src/media/speech';
import { durationMs, parseWav } from '../src/media/wav';
import { LocalRecordingStorage } from '../src/recording/storage';
import type { TranscriptLine } from '../src/calls/postcall/transcript';
import { postCallWorkflowId } from '../workflows/post-call.workflow';
import { audibleSpanMs, rms, wordShare } from './support/audio-checks';
import { comparedWithClip, CUSTOMER_SAYS, customerSpoken, MIN_WORD_SHARE, startMediaCallingStack, type MediaCallingStack } from './support/call-media';
import { grantedCustomer } from './support/calling';
import { eventually, temporalClient } from './support/stack';

/**
 * A call with real audio end to end on the local stack: the simulated customer speaks an espeak-ng
 * clip through the Connector simulator's participant, an agent speaks another through rtc-node;
 * the recorder writes one file per speaker and a mixed one; after the hang-up the post-call
 * workflow has them transcribed by the OpenAI simulator and summarised.
 */
const AGENT_SAYS = 'good morning this is the pharmacy your order will arrive tomorrow morning';

describe('a call with real audio', () => {
  let stack: MediaCallingStack;
  let pool: Pool;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'recado-call-audio-'));
    stack = await startMediaCallingStack(dir);
    pool = new Pool({ connectionString: stack.config.databaseUrl });
  });
  afterAll(async () => {
    await pool?.end();
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('is recorded per speaker, transcribed in order with speaker labels, and summarised', async () => {
    const { sim, config, connector } = stack;
    const { asAgent, agentKey, waId, pair } = await grantedCustomer(stack, { customerName: 'Maria' });

    // What the customer will say once on the call, set on the WhatsApp simulator.
    const clipRes = await fetch(`${sim.url}/_sim/customers/${waId}/call-audio`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: CUSTOMER_SAYS }),
    });
    expect(clipRes.status).toBe(200);
    const customerClip = parseWav(await speakToWav(CUSTOMER_SAYS));
    const agentClip = parseWav(await speakToWav(AGENT_SAYS));

    const started = await asAgent('POST', '/v1/calls', pair);
    expect(started.status).toBe(201);
    const { call, join } = started.body;
    const room = await joinRoom(join.url, join.token);
    try {
      const metaCall = await eventually(async () => sim.simulator.calls().find((c) => c.waId === waId && c.state !== 'ended'));
      sim.simulator.customerAcceptsCall(metaCall.id);
      // The customer speaks as soon as the call connects; the agent answers after.
      const media = await customerSpoken(connector.url, metaCall.id);
      expect(media).toMatchObject({ clipMs: Math.round(durationMs(customerClip)) });
      await new Promise((r) => setTimeout(r, 500));
      await room.speak(agentClip);
      expect(room.heardMs()).toBeGreaterThan(0.9 * durationMs(customerClip));
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await room.leave();
    }
    expect((await asAgent('POST', `/v1/calls/${call.id}/hangup`)).status).toBe(202);

    const temporal = await temporalClient(config);
    try {
      const result = await eventually(
        async () => temporal.workflow.getHandle(postCallWorkflowId(call.id)).result(),
        60_000,
        'the post-call workflow',
      );
      expect(result).toEqual({ recording: 'done', transcription: 'done', summary: 'done' });
    } finally {
      await temporal.connection.close();
    }

    const files = (await pool.query('SELECT * FROM call_recordings WHERE call_id = $1 ORDER BY kind, speaker', [call.id])).rows;
    expect(files.map((f) => [f.kind, f.speaker])).toEqual([
      ['mixed', null],
      ['speaker', 'agent'],
      ['speaker', 'customer'],
    ]);
    const storage = new LocalRecordingStorage(stack.recordingDir);
    const bytesOf = async (key: string) => {
      const chunks: Buffer[] = [];
      for await (const chunk of await storage.read(key)) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    };
    const audioOf = async (key: string) => parseWav(await bytesOf(key));
    const [mixed, agentFile, customerFile] = await Promise.all(files.map((f) => audioOf(f.storage_key)));
    for (const [recorded, clip] of [[customerFile, customerClip], [agentFile, agentClip]] as const) {
      const compared = comparedWithClip(recorded, clip);
      expect(compared).not.toBeNull();
      // Durations of what was said within 5 %, and its loudness that of the clip (Opus in between).
      expect(Math.abs(compared!.recordedMs - compared!.clipMs)).toBeLessThanOrEqual(0.05 * compared!.clipMs);
      expect(compared!.loudness).toBeGreaterThan(0.5);
      expect(compared!.loudness).toBeLessThan(2);
    }
    // On the call's clock the agent's file starts after the customer's, and the mix holds both.
    const [mixedRow, agentRow, customerRow] = files;
    expect(agentRow.offset_ms).toBeGreaterThan(customerRow.offset_ms);
    expect(mixedRow.offset_ms).toBe(customerRow.offset_ms);
    expect(Math.abs(mixedRow.offset_ms + durationMs(mixed) - (agentRow.offset_ms + durationMs(agentFile)))).toBeLessThan(50);
    expect(rms(mixed, audibleSpanMs(customerFile)!.startMs, audibleSpanMs(customerFile)!.endMs)).toBeGreaterThan(300);

    const postcall = (await pool.query('SELECT * FROM call_postcall WHERE call_id = $1', [call.id])).rows[0];
    const transcript: TranscriptLine[] = postcall.transcript;
    const starts = transcript.map((l) => l.start_ms);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    const said = (speaker: string) => transcript.filter((l) => l.speaker === speaker);
    expect(said('customer').every((l) => l.name === 'Maria')).toBe(true);
    expect(said('agent').every((l) => l.name === 'Ana')).toBe(true);
    const customerShare = wordShare(CUSTOMER_SAYS, said('customer').map((l) => l.text).join(' '));
    const agentShare = wordShare(AGENT_SAYS, said('agent').map((l) => l.text).join(' '));
    console.log(`words recognised: customer ${Math.round(customerShare * 100)} %, agent ${Math.round(agentShare * 100)} %`);
    expect(customerShare).toBeGreaterThanOrEqual(MIN_WORD_SHARE);
    expect(agentShare).toBeGreaterThanOrEqual(MIN_WORD_SHARE);
    expect(Math.min(...said('agent').map((l) => l.start_ms))).toBeGreaterThan(Math.max(...said('customer').map((l) => l.start_ms)));
    expect(postcall.summary).toMatchObject({ reason: expect.any(String), sentiment: expect.stringMatching(/positive|neutral|negative/) });

    // Through the history API: the call's details list its files, and a Range download returns their exact bytes.
    const details = await asAgent('GET', `/v1/calls/${call.id}/details`);
    expect(details.status).toBe(200);
    expect(details.body.steps).toMatchObject({ recording: { status: 'done' }, transcription: { status: 'done' }, summary: { status: 'done' } });
    expect(details.body.transcript).toHaveLength(transcript.length);
    const customerRecording = details.body.recordings.find((r: { speaker: string | null }) => r.speaker === 'customer');
    const stored = await bytesOf(customerRow.storage_key);
    const ranged = await fetch(`${stack.api.url}${customerRecording.download_url}`, {
      headers: { authorization: `Bearer ${agentKey}`, range: 'bytes=44-1043' },
    });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe(`bytes 44-1043/${stored.length}`);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(stored.subarray(44, 1044))).toBe(true);

    const timeline = (await pool.query('SELECT kind FROM call_events WHERE call_id = $1 ORDER BY at, seq', [call.id])).rows.map((r) => r.kind);
    expect(timeline[0]).toBe('dialing');
    expect(timeline).toEqual(expect.arrayContaining(['ringing', 'answered', 'recording_started', 'joined', 'left', 'ended']));
  }, 150_000);
});
