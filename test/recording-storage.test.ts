import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { RecordingDownloadService } from '../src/calls/history/recording-download.service';
import type { CallHistoryRepository, RecordingRow } from '../src/calls/history/call-history.repository';
import { loadCallAudioConfig } from '../src/config/call-audio.config';
import { createRecordingStorage } from '../src/recording/create-storage';
import { S3RecordingStorage, S3StorageError } from '../src/recording/s3-storage';
import { LocalRecordingStorage, type RecordingStorage } from '../src/recording/storage';
import { failure } from './support/failure';

/**
 * One behaviour suite, run against both storages: the local directory and a real S3-compatible
 * server (SeaweedFS's `weed`, started by the stack on 127.0.0.1:8333 with one identity, so every
 * request's Signature V4 is checked by a server nobody on the project wrote).
 */

/** The stack's local S3 server (scripts/stack/services.mjs); RECORDING_S3_* point elsewhere. */
const s3Config = {
  endpoint: process.env.RECORDING_S3_ENDPOINT || 'http://127.0.0.1:8333',
  region: process.env.RECORDING_S3_REGION || 'us-east-1',
  bucket: process.env.RECORDING_S3_BUCKET || 'recado-recordings',
  accessKeyId: process.env.RECORDING_S3_ACCESS_KEY_ID || 'recado-dev-s3-key',
  secretAccessKey: process.env.RECORDING_S3_SECRET_ACCESS_KEY || 'recado-dev-s3-secret',
  forcePathStyle: true,
};

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const scratch = mkdtempSync(path.join(tmpdir(), 'recording-storage-'));
const s3 = new S3RecordingStorage(s3Config);

afterAll(() => {
  s3.close();
  rmSync(scratch, { recursive: true, force: true });
});

const storages: Array<[string, () => Promise<RecordingStorage>]> = [
  ['LocalRecordingStorage', async () => new LocalRecordingStorage(path.join(scratch, 'local'))],
  [
    'S3RecordingStorage',
    async () => {
      await s3.ensureBucket();
      return s3;
    },
  ],
];

describe.each(storages)('%s', (_name, make) => {
  let storage: RecordingStorage;
  const prefix = `accounts/${randomBytes(4).toString('hex')}/calls/${randomBytes(4).toString('hex')}`;
  const created: string[] = [];
  const key = (file: string) => {
    created.push(`${prefix}/${file}`);
    return `${prefix}/${file}`;
  };

  beforeAll(async () => {
    storage = await make();
  });
  afterAll(async () => {
    for (const k of created) await storage.delete(k);
  });

  it('stores bytes and reads back exactly those bytes, size included', async () => {
    const bytes = randomBytes(70_001);
    const k = key('customer.wav');
    await storage.put(k, { bytes }, 'audio/wav');
    expect(await storage.size(k)).toBe(bytes.length);
    expect((await bytesOf(await storage.read(k))).equals(bytes)).toBe(true);
  });

  it('stores a file from disk (streamed)', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const file = path.join(scratch, `upload-${randomBytes(3).toString('hex')}.wav`);
    writeFileSync(file, bytes);
    const k = key('mixed.wav');
    await storage.put(k, { file }, 'audio/wav');
    expect(await storage.size(k)).toBe(bytes.length);
    expect((await bytesOf(await storage.read(k))).equals(bytes)).toBe(true);
  });

  it('reads inclusive byte ranges: first byte, middle, last byte, whole object', async () => {
    const bytes = randomBytes(10_000);
    const k = key('agent-1.wav');
    await storage.put(k, { bytes }, 'audio/wav');
    for (const [start, end] of [[0, 0], [0, 43], [44, 5000], [9_999, 9_999], [0, 9_999]] as const) {
      const got = await bytesOf(await storage.read(k, { start, end }));
      expect({ start, end, length: got.length }).toEqual({ start, end, length: end - start + 1 });
      expect(got.equals(bytes.subarray(start, end + 1))).toBe(true);
    }
  });

  it('replaces an object written again under the same key', async () => {
    const k = key('replaced.wav');
    await storage.put(k, { bytes: Buffer.from('first version, longer') }, 'audio/wav');
    await storage.put(k, { bytes: Buffer.from('second') }, 'audio/wav');
    expect(await storage.size(k)).toBe(6);
    expect((await bytesOf(await storage.read(k))).toString()).toBe('second');
  });

  it('deletes, and deleting again (or what never was) is not an error', async () => {
    const k = key('deleted.wav');
    await storage.put(k, { bytes: Buffer.from('bye') }, 'audio/wav');
    await storage.delete(k);
    expect(await storage.size(k)).toBeNull();
    await storage.delete(k);
    await storage.delete(`${prefix}/never-was.wav`);
  });

  it('a missing key: size is null and read fails', async () => {
    expect(await storage.size(`${prefix}/missing.wav`)).toBeNull();
    await expect(storage.read(`${prefix}/missing.wav`)).rejects.toThrow();
  });

  it('keys that climb out of the root are refused before any I/O', async () => {
    await expect(storage.put('../escape.wav', { bytes: Buffer.from('x') }, 'audio/wav')).rejects.toThrow(/invalid recording storage key/);
    await expect(storage.size('/absolute.wav')).rejects.toThrow(/invalid recording storage key/);
  });
});

describe('S3RecordingStorage errors (the real server\'s answers)', () => {
  const prefix = `accounts/${randomBytes(4).toString('hex')}/calls/errors`;

  beforeAll(() => s3.ensureBucket());

  it('a missing object is NoSuchKey with HTTP 404, not retryable', async () => {
    const err = await failure(s3.read(`${prefix}/missing.wav`));
    expect(err).toBeInstanceOf(S3StorageError);
    expect(err).toMatchObject({ status: 404, code: 'NoSuchKey', retryable: false });
  });

  it('a range past the end is InvalidRange (416)', async () => {
    const k = `${prefix}/short.wav`;
    await s3.put(k, { bytes: Buffer.from('0123456789') }, 'audio/wav');
    try {
      const err = await failure(s3.read(k, { start: 50, end: 60 }));
      expect(err).toMatchObject({ status: 416, code: 'InvalidRange', retryable: false });
    } finally {
      await s3.delete(k);
    }
  });

  it('a wrong secret is refused by the server\'s signature check (SignatureDoesNotMatch, 403)', async () => {
    const wrong = new S3RecordingStorage({ ...s3Config, secretAccessKey: 'not-the-secret' });
    try {
      const err = await failure(wrong.put(`${prefix}/x.wav`, { bytes: Buffer.from('x') }, 'audio/wav'));
      expect(err).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch', retryable: false });
    } finally {
      wrong.close();
    }
  });

  it('an unknown access key is refused (InvalidAccessKeyId, 403)', async () => {
    const stranger = new S3RecordingStorage({ ...s3Config, accessKeyId: 'nobody' });
    try {
      const err = await failure(stranger.size(`${prefix}/x.wav`));
      // HEAD answers carry no body, so only the status says why.
      expect(err).toMatchObject({ status: 403, retryable: false });
    } finally {
      stranger.close();
    }
  });

  it('no server at the endpoint is a retryable error without a status', async () => {
    const nowhere = new S3RecordingStorage({ ...s3Config, endpoint: 'http://127.0.0.1:1' });
    try {
      const err = await failure(nowhere.size(`${prefix}/x.wav`));
      expect(err).toMatchObject({ name: 'S3StorageError', status: null, retryable: true });
    } finally {
      nowhere.close();
    }
  });
});

describe('the recording download (HTTP Range) on the S3 storage', () => {
  // The deployment's path: RECORDING_STORAGE=s3 and the stack's RECORDING_S3_* through the app's config.
  const storage = createRecordingStorage(loadCallAudioConfig({ ...process.env, RECORDING_STORAGE: 's3' }, scratch).recordings);
  const bytes = randomBytes(50_000);
  const key = `accounts/${randomBytes(4).toString('hex')}/calls/download/mixed.wav`;
  const row = { id: 'rec-1', storage_key: key, content_type: 'audio/wav', created_at: new Date('2030-02-01T10:00:00Z') } as RecordingRow;
  const audits: Array<{ status: number; bytesSent: number; rangeHeader: string | null }> = [];
  // The repository's rows stand in for Postgres (test/call-history.test.ts covers them): the bytes come from the real server.
  const repository = {
    recording: async (_account: string, _call: string, id: string) => (id === row.id ? row : undefined),
    recordDownload: async (d: { status: number; bytesSent: number; rangeHeader: string | null }) => {
      audits.push({ status: d.status, bytesSent: d.bytesSent, rangeHeader: d.rangeHeader });
    },
    apiKeyId: async () => 'key-1',
  } as unknown as CallHistoryRepository;
  const service = new RecordingDownloadService(repository, storage);
  const access = { accountId: 'acc-1', actor: 'api_key:key-1' };
  const download = async (request: { range?: string; ifRange?: string }) => {
    const res = await service.download(access, { callId: 'call-1', recordingId: row.id }, request);
    return { ...res, bytes: res.body ? await bytesOf(res.body) : null };
  };

  beforeAll(async () => {
    expect(storage).toBeInstanceOf(S3RecordingStorage);
    await s3.ensureBucket();
    await storage.put(key, { bytes }, 'audio/wav');
  });
  afterAll(async () => {
    await storage.delete(key);
    (storage as S3RecordingStorage).close();
  });

  it('answers the whole file, one range, an open range and a suffix with ranged GetObjects', async () => {
    const whole = await download({});
    expect(whole.status).toBe(200);
    expect(whole.headers).toMatchObject({ 'accept-ranges': 'bytes', 'content-length': '50000', etag: '"rec-1-50000"' });
    expect(whole.bytes!.equals(bytes)).toBe(true);
    for (const [range, start, end] of [['bytes=0-43', 0, 43], ['bytes=1000-1999', 1000, 1999], ['bytes=49000-', 49000, 49999], ['bytes=-10', 49990, 49999], ['bytes=49999-60000', 49999, 49999]] as const) {
      const res = await download({ range });
      expect({ range, status: res.status, contentRange: res.headers['content-range'], length: res.headers['content-length'] }).toEqual({
        range,
        status: 206,
        contentRange: `bytes ${start}-${end}/50000`,
        length: String(end - start + 1),
      });
      expect(res.bytes!.equals(bytes.subarray(start, end + 1))).toBe(true);
    }
  });

  it('a range past the end is 416 with the size; a stale If-Range gets the whole file; every request is audited', async () => {
    audits.length = 0;
    const refused = await download({ range: 'bytes=50000-50010' });
    expect(refused).toMatchObject({ status: 416, body: null });
    expect(refused.headers['content-range']).toBe('bytes */50000');
    const stale = await download({ range: 'bytes=0-9', ifRange: '"rec-1-49999"' });
    expect(stale.status).toBe(200);
    expect(stale.bytes!.length).toBe(50_000);
    const fresh = await download({ range: 'bytes=0-9', ifRange: '"rec-1-50000"' });
    expect(fresh.status).toBe(206);
    expect(fresh.bytes!.equals(bytes.subarray(0, 10))).toBe(true);
    expect(audits).toEqual([
      { status: 416, bytesSent: 0, rangeHeader: 'bytes=50000-50010' },
      { status: 200, bytesSent: 50_000, rangeHeader: 'bytes=0-9' },
      { status: 206, bytesSent: 10, rangeHeader: 'bytes=0-9' },
    ]);
  });

  it('a recording whose object is gone is 404 (HeadObject), audited', async () => {
    const gone = `${key}.gone`;
    const missing = new RecordingDownloadService(
      { ...repository, recording: async () => ({ ...row, storage_key: gone }), recordDownload: repository.recordDownload } as unknown as CallHistoryRepository,
      storage,
    );
    audits.length = 0;
    await expect(missing.download(access, { callId: 'call-1', recordingId: row.id }, {})).rejects.toThrow(/recording/);
    expect(audits).toEqual([{ status: 404, bytesSent: 0, rangeHeader: null }]);
  });
});
