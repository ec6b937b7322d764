import { ApplicationFailure } from '@temporalio/common';
import { randomBytes } from 'node:crypto';
import { EgressInfo, EgressStatus, RoomCompositeEgressRequest, TokenVerifier } from 'livekit-server-sdk';
import { loadCallAudioConfig } from '../src/config/call-audio.config';
import { loadConfig } from '../src/config/config';
import { createRecordingStorage } from '../src/recording/create-storage';
import { EgressFailedError, EgressRecorder, egressStorageKey } from '../src/recording/egress-recorder';
import { RecordingInterruptedError } from '../src/recording/participant-recorder';
import type { RecorderHooks, RoomEvent } from '../src/recording/recorder';
import { S3RecordingStorage } from '../src/recording/s3-storage';

/**
 * The Egress recorder's requests against LiveKit's own Twirp API mock (the stack's test-server):
 * it verifies each request's token and grants like the real server (video.roomRecord for Egress,
 * roomList for ListRooms), decodes the body as protojson and answers. Each answer is scripted per
 * request through the mock's X-Lk-Mock `response` (EgressInfo as protojson), so an egress goes
 * STARTING → ACTIVE → ENDING → COMPLETE; the file it "uploaded" is put in the stack's real S3
 * bucket (SeaweedFS) by the test, as Egress would. What the SDK sent is read by wrapping fetch.
 */

const { livekit } = loadConfig();
const testServerUrl = process.env.LIVEKIT_TEST_SERVER_URL ?? 'http://127.0.0.1:7891';
const recordings = loadCallAudioConfig({ ...process.env, RECORDING_STORAGE: 's3', RECORDER: 'egress' }, '/tmp').recordings;
const storage = createRecordingStorage(recordings) as S3RecordingStorage;

interface Sent {
  method: string;
  body: any;
  token: string;
  status: number;
  answer: any;
}

type Script = Record<string, Array<Record<string, unknown> | undefined>>;

/** Sends each Twirp method's scripted answers in turn (the last one again once they run out). */
function interceptTwirp(script: Script) {
  const sent: Sent[] = [];
  const counts = new Map<string, number>();
  const original = globalThis.fetch;
  const spy = jest.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const method = url.split('/').pop()!;
    const n = counts.get(method) ?? 0;
    counts.set(method, n + 1);
    const answers = script[method] ?? [];
    const response = answers[Math.min(n, answers.length - 1)];
    const headers = { ...(init?.headers as Record<string, string>) };
    if (response) headers['X-Lk-Mock'] = JSON.stringify({ response });
    const res = await original(input, { ...init, headers });
    const text = await res.clone().text();
    sent.push({ method, body: JSON.parse(String(init?.body)), token: headers.Authorization.replace(/^Bearer /, ''), status: res.status, answer: safeJson(text) });
    return res;
  });
  return { sent, restore: () => spy.mockRestore() };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const egressInfo = (fields: ConstructorParameters<typeof EgressInfo>[0]) => new EgressInfo(fields).toJson() as Record<string, unknown>;

function hooks(resumeFrom?: unknown, signal = new AbortController().signal) {
  const events: RoomEvent[] = [];
  const beats: unknown[] = [];
  const h: RecorderHooks = { resumeFrom, signal, callEnded: async () => false, heartbeat: (s) => beats.push(JSON.parse(JSON.stringify(s))), onEvent: async (e) => void events.push(e) };
  return { h, events, beats };
}

function newCall() {
  const accountId = '0f8c7a3e-0000-4000-8000-000000000001';
  const callId = `${randomBytes(4).toString('hex')}-0000-4000-8000-000000000002`;
  const roomName = `call-${callId}`;
  return { accountId, callId, roomName, answeredAt: new Date(Date.now() - 5_000), key: egressStorageKey(accountId, callId) };
}

const recorder = (overrides: Partial<ConstructorParameters<typeof EgressRecorder>[0]> = {}) =>
  new EgressRecorder({
    livekit: { url: testServerUrl, apiKey: livekit.apiKey, apiSecret: livekit.apiSecret },
    s3: recordings.s3,
    storage,
    maxCallDurationMs: recordings.maxCallDurationMs,
    pollIntervalMs: 10,
    ...overrides,
  });

const verifier = new TokenVerifier(livekit.apiKey, livekit.apiSecret);
const created: string[] = [];

beforeAll(() => storage.ensureBucket());
afterAll(async () => {
  for (const key of created) await storage.delete(key);
  storage.close();
});

describe('EgressRecorder against LiveKit test-server', () => {
  it('starts an audio-only room composite to the S3 bucket, stops it when the room has closed, and stores the file the bucket has', async () => {
    const call = newCall();
    const uploaded = randomBytes(1234);
    await storage.put(call.key, { bytes: uploaded }, 'audio/ogg');
    created.push(call.key);
    const startedNs = BigInt(call.answeredAt.getTime() + 800) * 1_000_000n;
    const listing = (info: Parameters<typeof egressInfo>[0]) => ({ items: [egressInfo({ egressId: 'MOCK_EGRESS_ID', roomName: call.roomName, ...info })] });
    const twirp = interceptTwirp({
      // First: is one of ours already recording? The mock's populated default lists another one.
      ListEgress: [
        undefined,
        listing({ status: EgressStatus.EGRESS_ACTIVE }),
        listing({ status: EgressStatus.EGRESS_ACTIVE }),
        listing({ status: EgressStatus.EGRESS_ENDING }),
        listing({
          status: EgressStatus.EGRESS_COMPLETE,
          fileResults: [{ filename: call.key, location: `${recordings.s3.endpoint}/${recordings.s3.bucket}/${call.key}`, size: 1234n, duration: 4_500_000_000n, startedAt: startedNs }],
        }),
      ],
      ListRooms: [{ rooms: [{ name: call.roomName }] }, {}],
    });
    const { h, events, beats } = hooks();
    let files;
    try {
      files = await recorder().record(call, h);
    } finally {
      twirp.restore();
    }

    expect(twirp.sent.map((s) => `${s.method} ${s.status}`)).toEqual([
      'ListEgress 200',
      'StartRoomCompositeEgress 200',
      'ListEgress 200',
      'ListRooms 200',
      'ListEgress 200',
      'ListRooms 200',
      'StopEgress 200',
      'ListEgress 200',
      'ListEgress 200',
    ]);
    const [findOurs, start, watch] = twirp.sent;
    expect(findOurs.body).toEqual({ roomName: call.roomName, active: true });
    // Strict protojson decoding: an unknown or misspelt field would throw here.
    const request = RoomCompositeEgressRequest.fromJson(start.body);
    expect(request.roomName).toBe(call.roomName);
    expect(request.audioOnly).toBe(true);
    expect(request.fileOutputs).toHaveLength(1);
    const [file] = request.fileOutputs;
    expect(file.fileType).toBe(2); // EncodedFileType.OGG
    expect(file.filepath).toBe(call.key);
    expect(file.output.case).toBe('s3');
    expect(file.output.value).toMatchObject({
      accessKey: recordings.s3.accessKeyId,
      secret: recordings.s3.secretAccessKey,
      region: recordings.s3.region,
      endpoint: recordings.s3.endpoint,
      bucket: recordings.s3.bucket,
      forcePathStyle: true,
    });
    expect(start.answer).toMatchObject({ egressId: 'MOCK_EGRESS_ID', roomName: call.roomName });
    expect(watch.body).toEqual({ egressId: 'MOCK_EGRESS_ID' });
    expect(twirp.sent[3].body).toEqual({ names: [call.roomName] });
    expect(twirp.sent[6].body).toEqual({ egressId: 'MOCK_EGRESS_ID' });
    // The grants the real server asks for, which the mock checked before answering 200.
    for (const s of twirp.sent) {
      const grants = await verifier.verify(s.token);
      if (s.method === 'ListRooms') expect(grants.video?.roomList).toBe(true);
      else expect(grants.video?.roomRecord).toBe(true);
    }

    expect(files).toEqual([
      {
        kind: 'mixed', speaker: null, agentId: null, participantIdentity: null, storageKey: call.key, contentType: 'audio/ogg',
        bytes: 1234, durationMs: 4500, sampleRate: 48_000, channels: 2, offsetMs: 800, gaps: [],
      },
    ]);
    expect(events.map((e) => [e.kind, e.detail])).toEqual([
      ['recording_started', { recorder: 'egress', egress_id: 'MOCK_EGRESS_ID', storage_key: call.key }],
      ['recording_stopped', { recorder: 'egress', egress_id: 'MOCK_EGRESS_ID', status: 'EGRESS_COMPLETE', files: 1, storage_keys: [call.key] }],
    ]);
    expect(beats[0]).toEqual({ egressId: 'MOCK_EGRESS_ID', storageKey: call.key, stopRequested: false, finalized: null });
    expect(beats[beats.length - 1]).toMatchObject({ stopRequested: true, finalized: files });
  });

  it('a resumed attempt watches the egress it heartbeated; a fresh one reuses an active egress writing its file', async () => {
    const call = newCall();
    await storage.put(call.key, { bytes: randomBytes(10) }, 'audio/ogg');
    created.push(call.key);
    const complete = (egressId: string) => ({ items: [egressInfo({ egressId, status: EgressStatus.EGRESS_COMPLETE, fileResults: [{ filename: call.key, duration: 1_000_000_000n }] })] });

    const resumed = interceptTwirp({ ListEgress: [complete('EG_previous')] });
    try {
      const state = { egressId: 'EG_previous', storageKey: call.key, stopRequested: false, finalized: null };
      const files = await recorder().record(call, hooks(state).h);
      expect(files.map((f) => [f.storageKey, f.bytes, f.durationMs])).toEqual([[call.key, 10, 1000]]);
    } finally {
      resumed.restore();
    }
    expect(resumed.sent.map((s) => [s.method, s.body, s.status])).toEqual([['ListEgress', { egressId: 'EG_previous' }, 200]]);

    const ours = egressInfo({
      egressId: 'EG_running',
      status: EgressStatus.EGRESS_ACTIVE,
      request: { case: 'roomComposite', value: new RoomCompositeEgressRequest({ roomName: call.roomName, audioOnly: true, fileOutputs: [{ filepath: call.key }] }) },
    });
    const reused = interceptTwirp({ ListEgress: [{ items: [ours] }, complete('EG_running')] });
    try {
      await recorder().record(call, hooks().h);
    } finally {
      reused.restore();
    }
    expect(reused.sent.map((s) => s.method)).toEqual(['ListEgress', 'ListEgress']);
    expect(reused.sent[1].body).toEqual({ egressId: 'EG_running' });
  });

  it('cancelled: stops the egress and ends without files', async () => {
    const call = newCall();
    const controller = new AbortController();
    const twirp = interceptTwirp({ ListEgress: [undefined, { items: [egressInfo({ egressId: 'MOCK_EGRESS_ID', status: EgressStatus.EGRESS_ACTIVE })] }], ListRooms: [{ rooms: [{ name: call.roomName }] }] });
    const { h } = hooks(undefined, controller.signal);
    try {
      const recording = recorder({ pollIntervalMs: 50 }).record(call, h);
      setTimeout(() => controller.abort(), 120);
      await expect(recording).rejects.toBeInstanceOf(RecordingInterruptedError);
    } finally {
      twirp.restore();
    }
    const stops = twirp.sent.filter((s) => s.method === 'StopEgress');
    expect(stops.map((s) => [s.body, s.status])).toEqual([[{ egressId: 'MOCK_EGRESS_ID' }, 200]]);
  });

  it('failures: an egress that failed, a file the bucket does not have, a request LiveKit refuses (no keys in the message)', async () => {
    const call = newCall();
    const failed = interceptTwirp({ ListEgress: [undefined, { items: [egressInfo({ egressId: 'MOCK_EGRESS_ID', status: EgressStatus.EGRESS_FAILED, error: 'S3 upload failed: AccessDenied' })] }] });
    try {
      const err = await recorder().record(call, hooks().h).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EgressFailedError);
      expect((err as Error).message).toBe('egress MOCK_EGRESS_ID ended EGRESS_FAILED: S3 upload failed: AccessDenied');
    } finally {
      failed.restore();
    }

    const missing = interceptTwirp({ ListEgress: [undefined, { items: [egressInfo({ egressId: 'MOCK_EGRESS_ID', status: EgressStatus.EGRESS_COMPLETE, fileResults: [{ filename: call.key }] })] }] });
    try {
      await expect(recorder().record(call, hooks().h)).rejects.toThrow(`the bucket has no ${call.key}`);
    } finally {
      missing.restore();
    }

    // A token signed with another secret: the mock refuses it as the real server would.
    const bad = new EgressRecorder({
      livekit: { url: testServerUrl, apiKey: livekit.apiKey, apiSecret: 'not-the-secret' },
      s3: recordings.s3,
      storage,
      maxCallDurationMs: recordings.maxCallDurationMs,
      pollIntervalMs: 10,
    });
    const err = await bad.record(call, hooks().h).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ nonRetryable: true, type: 'LiveKitRequestError' });
    expect((err as Error).message).toMatch(/^LiveKit ListEgress failed with 401 unauthenticated/);
    expect((err as Error).message).not.toContain(recordings.s3.secretAccessKey);
  });
});

describe('RECORDER configuration', () => {
  it('egress without the S3 storage is a config error naming RECORDER', () => {
    expect(() => loadCallAudioConfig({ RECORDER: 'egress' }, '/tmp')).toThrow(/RECORDER.*RECORDING_STORAGE=s3/);
    expect(loadCallAudioConfig({}, '/tmp').recordings.recorder).toBe('participant');
    expect(() => loadCallAudioConfig({ RECORDER: 'browser' }, '/tmp')).toThrow(/RECORDER/);
  });
});
