import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RoomServiceClient } from 'livekit-server-sdk';
import { loadConfig } from '../src/config/config';
import { parseWav, type PcmAudio } from '../src/media/wav';
import { ParticipantRecorder, RecordingInterruptedError } from '../src/recording/participant-recorder';
import type { RecordedFile, RecorderHooks, RoomEvent } from '../src/recording/recorder';
import { LocalRecordingStorage } from '../src/recording/storage';
import { MockActivityEnvironment } from '@temporalio/testing';
import { Pool } from 'pg';
import { createRecordingActivities, type RecordCallAudioResult } from '../activities/recording';
import { CallEventsRepository } from '../src/calls/call-events.repository';
import { CallsRepository } from '../src/calls/calls.repository';
import { RecordingSettingsRepository } from '../src/recording/recording-settings.repository';
import { RecordingsRepository } from '../src/recording/recordings.repository';
import { insertAccount, insertContacts } from './support/contact-index';
import { joinAsSpeaker, joinToken, speech, type RoomSpeaker } from './support/room-speaker';
import { rms } from './support/audio-checks';
import { AccessTokens } from '../src/numbers/access-tokens';

/**
 * The built-in recorder against the stack's real livekit-server: rtc-node participants speak
 * espeak clips into a room, the recorder writes one file per speaker and a mixed one.
 */

const { livekit, databaseUrl } = loadConfig();
const rooms = new RoomServiceClient(livekit.url, livekit.apiKey, livekit.apiSecret);
let root: string;
let storage: LocalRecordingStorage;
const openRooms: string[] = [];
const speakers: RoomSpeaker[] = [];

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'recado-recorder-'));
  storage = new LocalRecordingStorage(path.join(root, 'store'));
});

afterEach(async () => {
  await Promise.all(speakers.splice(0).map((s) => s.leave().catch(() => undefined)));
  await Promise.all(openRooms.splice(0).map((r) => rooms.deleteRoom(r).catch(() => undefined)));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function recorder(overrides: Partial<ConstructorParameters<typeof ParticipantRecorder>[0]> = {}) {
  return new ParticipantRecorder({ livekit, storage, workDir: path.join(root, 'work'), maxCallDurationMs: 120_000, emptyRoomGraceMs: 500, ...overrides });
}

/** Hooks that keep what the recorder reports, and let a test wait for an event. */
function memoryHooks(resumeFrom: unknown = undefined) {
  const events: RoomEvent[] = [];
  const waiters: Array<{ kind: string; resolve: () => void }> = [];
  const controller = new AbortController();
  const hooks: RecorderHooks & { events: RoomEvent[]; last: unknown; ended: boolean; abort(): void; next(kind: RoomEvent['kind']): Promise<void> } = {
    events,
    last: undefined,
    ended: false,
    resumeFrom,
    signal: controller.signal,
    callEnded: async () => hooks.ended,
    async onEvent(e) {
      events.push(e);
      for (const w of waiters.filter((w) => w.kind === e.kind)) w.resolve();
    },
    heartbeat(state) {
      hooks.last = JSON.parse(JSON.stringify(state)); // what Temporal would hand back
    },
    abort: () => controller.abort(),
    next: (kind) => (events.some((e) => e.kind === kind) ? Promise.resolve() : new Promise((resolve) => waiters.push({ kind, resolve }))),
  };
  return hooks;
}

async function speakerIn(room: string, identity: string): Promise<RoomSpeaker> {
  const s = await joinAsSpeaker(livekit.url, await joinToken(livekit, room, identity));
  speakers.push(s);
  return s;
}

async function stored(file: RecordedFile): Promise<PcmAudio> {
  const chunks: Buffer[] = [];
  for await (const chunk of await storage.read(file.storageKey)) chunks.push(chunk as Buffer);
  return parseWav(Buffer.concat(chunks));
}

const clipMs = (a: PcmAudio) => (a.samples.length / a.sampleRate) * 1000;
const within = (actual: number, expected: number, fraction: number) => {
  expect(actual).toBeGreaterThanOrEqual(expected * (1 - fraction));
  expect(actual).toBeLessThanOrEqual(expected * (1 + fraction));
};

describe('participant recorder', () => {
  let hello: PcmAudio;
  let reply: PcmAudio;
  let again: PcmAudio;

  beforeAll(async () => {
    [hello, reply, again] = await Promise.all([
      speech('Good morning, this is recado support, how can I help you today?'),
      speech('Hello, I would like to know where my order is, it has not arrived yet.'),
      speech('Thank you for waiting, your order leaves the warehouse tomorrow.'),
    ]);
  });

  it('writes one file per speaker on the call timeline, through a leave and rejoin, and a mixed file', async () => {
    const roomName = `rec-${randomUUID()}`;
    openRooms.push(roomName);
    const callId = randomUUID();
    const agentId = randomUUID();
    const answeredAt = new Date();
    const hooks = memoryHooks();
    const recording = recorder().record({ accountId: randomUUID(), callId, roomName, answeredAt }, hooks);
    await hooks.next('recording_started');

    const agent = await speakerIn(roomName, `agent:${agentId}`);
    const customer = await speakerIn(roomName, `customer:${randomUUID()}`);
    const first = await agent.speak(hello);
    const answer = await customer.speak(reply);
    await agent.leave();
    const back = await speakerIn(roomName, `agent:${agentId}`);
    const last = await back.speak(again);
    await customer.leave();
    await back.leave();
    const files = await recording;

    const agentFile = files.find((f) => f.speaker === 'agent')!;
    const customerFile = files.find((f) => f.speaker === 'customer')!;
    const mixed = files.find((f) => f.kind === 'mixed')!;
    expect(files).toHaveLength(3);
    expect(agentFile).toMatchObject({ agentId, participantIdentity: `agent:${agentId}`, storageKey: expect.stringMatching(new RegExp(`/calls/${callId}/agent-${agentId}\\.wav$`)), gaps: [] });
    expect(customerFile.storageKey).toMatch(new RegExp(`/calls/${callId}/customer\\.wav$`));

    // Offsets follow who spoke first, and sit where the speech was sent (within the network's latency).
    expect(agentFile.offsetMs).toBeLessThan(customerFile.offsetMs);
    expect(Math.abs(agentFile.offsetMs - (first.startedAt - answeredAt.getTime()))).toBeLessThan(500);
    expect(Math.abs(customerFile.offsetMs - (answer.startedAt - answeredAt.getTime()))).toBeLessThan(500);

    // The customer spoke once; the agent's file spans both clips with the time it was away as silence.
    within(customerFile.durationMs, clipMs(reply), 0.05);
    within(agentFile.durationMs, last.endedAt - first.startedAt, 0.05);
    const agentAudio = await stored(agentFile);
    const customerAudio = await stored(customerFile);
    expect(Math.abs(clipMs(agentAudio) - agentFile.durationMs)).toBeLessThanOrEqual(1);
    const secondClipAt = last.startedAt - first.startedAt;
    expect(rms(agentAudio, 0, clipMs(hello))).toBeGreaterThan(500);
    expect(rms(agentAudio, clipMs(hello) + 300, secondClipAt - 300)).toBeLessThan(50);
    expect(rms(agentAudio, secondClipAt, secondClipAt + clipMs(again))).toBeGreaterThan(500);
    expect(rms(customerAudio, 0, clipMs(reply))).toBeGreaterThan(500);

    // The mix runs from the first speaker's first sample to the last one's last.
    const end = Math.max(agentFile.offsetMs + agentFile.durationMs, customerFile.offsetMs + customerFile.durationMs);
    expect(mixed.offsetMs).toBe(agentFile.offsetMs);
    expect(Math.abs(mixed.durationMs - (end - mixed.offsetMs))).toBeLessThanOrEqual(2);
    const mixedAudio = await stored(mixed);
    const customerInMix = customerFile.offsetMs - mixed.offsetMs;
    expect(rms(mixedAudio, customerInMix, customerInMix + clipMs(reply))).toBeGreaterThan(500);

    const kinds = hooks.events.map((e) => `${e.kind}:${e.participant ?? ''}`);
    expect(kinds.filter((k) => k === `joined:agent:${agentId}`)).toHaveLength(2);
    expect(kinds.filter((k) => k === `left:agent:${agentId}`)).toHaveLength(2);
    expect(kinds).toContain('recording_started:');
    expect(kinds[kinds.length - 1]).toBe('recording_stopped:');
    expect(new Set(hooks.events.map((e) => e.dedupKey)).size).toBe(hooks.events.length);
  });
  it('resumes after a crash with the previous files: one file per speaker, the downtime a gap, nothing before it lost', async () => {
    const roomName = `rec-${randomUUID()}`;
    openRooms.push(roomName);
    const target = { accountId: randomUUID(), callId: randomUUID(), roomName, answeredAt: new Date() };
    const agentId = randomUUID();
    const crashed = memoryHooks();
    const firstAttempt = recorder().record(target, crashed);
    await crashed.next('recording_started');
    const agent = await speakerIn(roomName, `agent:${agentId}`);
    const customer = await speakerIn(roomName, `customer:${randomUUID()}`);
    const first = await agent.speak(hello);
    await sleep(1_200); // a heartbeat after the clip
    const crashedAt = Date.now();
    crashed.abort();
    await expect(firstAttempt).rejects.toBeInstanceOf(RecordingInterruptedError);
    expect(crashed.events.map((e) => e.kind)).not.toContain('recording_stopped');

    await sleep(2_000);
    const resumed = memoryHooks(crashed.last);
    const secondAttempt = recorder().record(target, resumed);
    await resumed.next('recording_gap');
    const backAt = Date.now();
    const second = await agent.speak(again);
    const answer = await customer.speak(reply);
    await agent.leave();
    await customer.leave();
    const files = await secondAttempt;

    expect(files.map((f) => f.kind).sort()).toEqual(['mixed', 'speaker', 'speaker']);
    const agentFile = files.find((f) => f.speaker === 'agent')!;
    const customerFile = files.find((f) => f.speaker === 'customer')!;
    // The agent's file holds the clip heard before the crash and the one after, on one timeline.
    within(agentFile.durationMs, second.endedAt - first.startedAt, 0.05);
    expect(agentFile.gaps).toHaveLength(1);
    const [gap] = agentFile.gaps;
    // The gap runs from the last moment the crashed attempt reported to the new one's reconnect.
    expect(gap.fromMs).toBeGreaterThanOrEqual(first.endedAt - target.answeredAt.getTime() - 1_000);
    expect(gap.fromMs).toBeLessThanOrEqual(crashedAt - target.answeredAt.getTime());
    expect(gap.toMs).toBeGreaterThanOrEqual(crashedAt + 2_000 - target.answeredAt.getTime());
    expect(gap.toMs).toBeLessThanOrEqual(backAt - target.answeredAt.getTime());
    const agentAudio = await stored(agentFile);
    expect(rms(agentAudio, 0, clipMs(hello))).toBeGreaterThan(500);
    expect(rms(agentAudio, gap.fromMs - agentFile.offsetMs, gap.toMs - agentFile.offsetMs)).toBeLessThan(50);
    const secondAt = second.startedAt - first.startedAt;
    expect(rms(agentAudio, secondAt, secondAt + clipMs(again))).toBeGreaterThan(500);
    // The customer first spoke after the restart: the file began then, no gap inside it.
    within(customerFile.durationMs, clipMs(reply), 0.05);
    expect(customerFile.gaps).toEqual([]);
    expect(Math.abs(customerFile.offsetMs - (answer.startedAt - target.answeredAt.getTime()))).toBeLessThan(500);
    expect(files.find((f) => f.kind === 'mixed')!.gaps).toEqual([gap]);
    expect(resumed.events.filter((e) => e.kind === 'recording_gap')).toEqual([expect.objectContaining({ detail: gap })]);
  });

  it('finalizes when the call ends with everyone still in the room, heartbeating until its files are stored', async () => {
    const roomName = `rec-${randomUUID()}`;
    openRooms.push(roomName);
    const target = { accountId: randomUUID(), callId: randomUUID(), roomName, answeredAt: new Date() };
    const hooks = memoryHooks();
    const beats: number[] = [];
    const heartbeat = hooks.heartbeat;
    hooks.heartbeat = (state) => {
      beats.push(Date.now());
      heartbeat(state);
    };
    const recording = recorder({ heartbeatIntervalMs: 200 }).record(target, hooks);
    await hooks.next('recording_started');
    const agent = await speakerIn(roomName, `agent:${randomUUID()}`);
    const customer = await speakerIn(roomName, `customer:${randomUUID()}`);
    await agent.speak(hello);
    await customer.speak(reply);

    // The call ends the way recado ends it: its room is closed, here with both still in it.
    const closedAt = Date.now();
    await rooms.deleteRoom(roomName);
    const files = await recording;
    const storedAt = Date.now();

    expect(files.map((f) => f.kind).sort()).toEqual(['mixed', 'speaker', 'speaker']);
    expect(rms(await stored(files.find((f) => f.speaker === 'customer')!), 0, clipMs(reply))).toBeGreaterThan(500);
    // Leaving, mixing and uploading are not a silence a retry would take for a dead attempt.
    const silences = [closedAt, ...beats.filter((at) => at >= closedAt), storedAt].map((at, i, all) => (i === 0 ? 0 : at - all[i - 1]));
    expect(Math.max(...silences)).toBeLessThan(5_000);
  });

  it('a retried attempt that finds the call over finalizes the files the earlier attempt wrote', async () => {
    const roomName = `rec-${randomUUID()}`;
    openRooms.push(roomName);
    const target = { accountId: randomUUID(), callId: randomUUID(), roomName, answeredAt: new Date() };
    const first = memoryHooks();
    const firstAttempt = recorder().record(target, first);
    await first.next('recording_started');
    const customer = await speakerIn(roomName, `customer:${randomUUID()}`);
    await customer.speak(reply);
    await sleep(1_200); // a heartbeat after the clip
    first.abort();
    await expect(firstAttempt).rejects.toBeInstanceOf(RecordingInterruptedError);

    // The call ended meanwhile: the retry does not join, and keeps what was heard.
    await customer.leave();
    await rooms.deleteRoom(roomName);
    const retry = memoryHooks(first.last);
    retry.ended = true;
    const files = await recorder().record(target, retry);

    expect(files.map((f) => f.kind).sort()).toEqual(['mixed', 'speaker']);
    const customerFile = files.find((f) => f.speaker === 'customer')!;
    expect(customerFile.durationMs).toBeGreaterThanOrEqual(clipMs(reply) * 0.95);
    expect(rms(await stored(customerFile), 0, clipMs(reply))).toBeGreaterThan(500);
    expect(retry.events.map((e) => [e.kind, e.detail])).toEqual([['recording_stopped', { reason: 'call ended before the recorder joined', files: 2 }]]);
    expect(await rooms.listRooms([roomName])).toEqual([]);
  });

  it("never brings a finished call's room back: does not join it, and leaves (and closes) one its join recreated", async () => {
    const roomName = `rec-${randomUUID()}`;
    openRooms.push(roomName);
    const target = { accountId: randomUUID(), callId: randomUUID(), roomName, answeredAt: new Date() };

    // The call ended and its room was closed while this recorder was joining: its join created the room again.
    const joining = memoryHooks();
    const recording = recorder().record(target, joining);
    await joining.next('recording_started');
    expect(await rooms.listRooms([roomName])).toHaveLength(1);
    joining.ended = true;
    expect(await recording).toEqual([]);
    expect(joining.events.map((e) => e.kind)).toEqual(['recording_started', 'recording_stopped']);
    expect(joining.events[1].detail).toEqual({ reason: 'call ended', files: 0 });
    expect(await rooms.listRooms([roomName])).toEqual([]);

    // A recorder (or a retried attempt) that starts once the call is over does not join at all.
    const late = memoryHooks();
    late.ended = true;
    expect(await recorder().record({ ...target, callId: randomUUID() }, late)).toEqual([]);
    expect(late.events.map((e) => [e.kind, e.detail])).toEqual([['recording_stopped', { reason: 'call ended before the recorder joined', files: 0 }]]);
    expect(await rooms.listRooms([roomName])).toEqual([]);
  });

});

describe('recordCallAudio', () => {
  let pool: Pool;
  beforeAll(() => {
    pool = new Pool({ connectionString: databaseUrl });
  });
  afterAll(async () => {
    await pool.end();
  });

  /** A call row as the call workflows leave it; `answered` false: the activity started before the answer. */
  async function insertCall(answered: boolean) {
    const accountId = await insertAccount(pool, 'Loja Gravação');
    const [contactId] = await insertContacts(pool, accountId, 1);
    const numberId = randomUUID();
    await pool.query(
      `INSERT INTO whatsapp_numbers (id, account_id, phone_number_id, waba_id, display_phone_number, access_token)
       VALUES ($1, $2, $3, 'waba', '+55 11 4000-0000', $4)`,
      [numberId, accountId, String(Date.now()) + String(Math.floor(Math.random() * 1000)), new AccessTokens(loadConfig().secrets).seal(numberId, 'test-access-token')],
    );
    const callId = randomUUID();
    const roomName = `call-${callId}`;
    await pool.query(
      `INSERT INTO calls (id, account_id, whatsapp_number_id, contact_id, direction, state, room_name, accepted_at)
       VALUES ($1, $2, $3, $4, 'business_initiated', $5, $6, $7)`,
      [callId, accountId, numberId, contactId, answered ? 'accepted' : 'ringing', roomName, answered ? new Date() : null],
    );
    openRooms.push(roomName);
    return { accountId, callId, roomName };
  }

  const activities = () =>
    createRecordingActivities({
      calls: new CallsRepository(pool),
      settings: new RecordingSettingsRepository(pool),
      events: new CallEventsRepository(pool),
      recordings: new RecordingsRepository(pool),
      recorder: recorder(),
    });

  it('records a call started before its answer, stores its rows and timeline, and stores them once when retried', async () => {
    const input = await insertCall(false);
    const env = new MockActivityEnvironment();
    let heartbeat: unknown;
    env.on('heartbeat', (d: unknown) => (heartbeat = d));
    const running: Promise<RecordCallAudioResult> = env.run(activities().recordCallAudio, input);
    const events = new CallEventsRepository(pool);
    while (!(await events.list(input.accountId, input.callId)).some((e) => e.kind === 'recording_started')) await sleep(100);

    const agentId = randomUUID();
    const agent = await speakerIn(input.roomName, `agent:${agentId}`);
    await agent.speak(await speech('Your order has been shipped.'));
    await agent.leave();
    const result = await running;

    expect(result.status).toBe('recorded');
    expect(result.recordings.map((r) => r.kind).sort()).toEqual(['mixed', 'speaker']);
    const rows = await new RecordingsRepository(pool).list(input.accountId, input.callId);
    expect(rows.map((r) => r.id).sort()).toEqual(result.recordings.map((r) => r.id).sort());
    for (const row of rows) {
      expect(row.recorder).toBe('participant');
      // The default policy keeps recordings 90 days.
      expect(row.expires_at!.getTime() - Date.now()).toBeGreaterThan(89 * 86_400_000);
      expect(row.expires_at!.getTime() - Date.now()).toBeLessThan(91 * 86_400_000);
    }
    const timeline = (await events.list(input.accountId, input.callId)).map((e) => `${e.kind}:${e.participant ?? ''}`);
    expect(timeline).toEqual(['recording_started:', `joined:agent:${agentId}`, `left:agent:${agentId}`, 'recording_stopped:']);

    // A retry after the files were stored (the worker died before completing) stores nothing twice.
    const retried = new MockActivityEnvironment({ heartbeatDetails: heartbeat });
    const again: RecordCallAudioResult = await retried.run(activities().recordCallAudio, input);
    expect(again.recordings.map((r) => r.id).sort()).toEqual(result.recordings.map((r) => r.id).sort());
    expect(await new RecordingsRepository(pool).list(input.accountId, input.callId)).toHaveLength(2);
    expect(await events.list(input.accountId, input.callId)).toHaveLength(4);
  });

  it('a call hung up before the recorder joined: nothing heard, its room not recreated, the timeline says why', async () => {
    const input = await insertCall(true);
    await pool.query(`UPDATE calls SET state = 'completed', ended_at = now() WHERE id = $1`, [input.callId]);
    const result = await new MockActivityEnvironment().run(activities().recordCallAudio, input);
    expect(result).toEqual({ status: 'nothing_heard', recordings: [] });
    expect(await rooms.listRooms([input.roomName])).toEqual([]);
    const timeline = await new CallEventsRepository(pool).list(input.accountId, input.callId);
    expect(timeline.map((e) => [e.kind, e.detail])).toEqual([['recording_stopped', { reason: 'call ended before the recorder joined', files: 0 }]]);
  });

  it('does not join the room when the account does not record calls', async () => {
    const input = await insertCall(true);
    await new RecordingSettingsRepository(pool).save(input.accountId, { enabled: false, retentionDays: 30, consentMessage: null });
    const result = await new MockActivityEnvironment().run(activities().recordCallAudio, input);
    expect(result).toEqual({ status: 'disabled', recordings: [] });
    expect(await rooms.listRooms([input.roomName])).toEqual([]);
  });
});
