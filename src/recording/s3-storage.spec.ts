import http, { type IncomingHttpHeaders } from 'node:http';
import { lookup } from 'node:dns';
import type { AddressInfo, LookupFunction } from 'node:net';
import { S3RecordingStorage, S3StorageError } from './s3-storage';
import { EMPTY_PAYLOAD_SHA256, sha256Hex } from './sigv4';
import { failure } from '../../test/support/failure';

/**
 * Addressing, signing headers and error classification, against an in-process HTTP server that
 * answers what a test tells it (the real S3-compatible server is exercised in
 * test/recording-storage.test.ts; it cannot be made to fail with a 503 on demand).
 */

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

let server: http.Server;
let endpoint: string;
let answer: (req: Seen) => { status: number; headers?: Record<string, string>; body?: string } = () => ({ status: 200 });
const seen: Seen[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) };
      seen.push(request);
      const { status, headers, body } = answer(request);
      res.writeHead(status, headers);
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen.length = 0;
});

const config = () => ({ endpoint, region: 'eu-west-1', bucket: 'recs', accessKeyId: 'AK', secretAccessKey: 'SK', forcePathStyle: true });
const errorXml = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><RequestId>R-1</RequestId></Error>`;

describe('S3RecordingStorage requests', () => {
  it('puts path-style with a signed payload hash, content type and length', async () => {
    const storage = new S3RecordingStorage(config(), { now: () => new Date('2026-01-02T03:04:05Z') });
    answer = () => ({ status: 200 });
    await storage.put('accounts/a/calls/c/customer 1.wav', { bytes: Buffer.from('RIFF') }, 'audio/wav');
    storage.close();
    const [put] = seen;
    expect(put).toMatchObject({ method: 'PUT', url: '/recs/accounts/a/calls/c/customer%201.wav' });
    expect(put.body.toString()).toBe('RIFF');
    expect(put.headers).toMatchObject({
      'content-type': 'audio/wav',
      'content-length': '4',
      'x-amz-date': '20260102T030405Z',
      'x-amz-content-sha256': sha256Hex('RIFF'),
    });
    expect(put.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AK\/20260102\/eu-west-1\/s3\/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/,
    );
  });

  it('uses the bucket as a host name when path style is off', async () => {
    const resolved: string[] = [];
    const toLoopback: LookupFunction = (hostname, options, callback) => {
      resolved.push(hostname);
      lookup('127.0.0.1', options, callback);
    };
    const port = new URL(endpoint).port;
    const storage = new S3RecordingStorage({ ...config(), endpoint: `http://s3.example.test:${port}`, forcePathStyle: false }, { lookup: toLoopback });
    answer = () => ({ status: 200, headers: { 'content-length': '0' } });
    await storage.size('accounts/a/x.wav');
    storage.close();
    expect(resolved).toEqual(['recs.s3.example.test']);
    expect(seen[0]).toMatchObject({ method: 'HEAD', url: '/accounts/a/x.wav' });
    expect(seen[0].headers.host).toBe(`recs.s3.example.test:${port}`);
    expect(seen[0].headers['x-amz-content-sha256']).toBe(EMPTY_PAYLOAD_SHA256);
  });

  it('asks for a range and hands back the 206 body', async () => {
    const storage = new S3RecordingStorage(config());
    answer = () => ({ status: 206, headers: { 'content-range': 'bytes 2-4/10' }, body: '234' });
    const chunks: Buffer[] = [];
    for await (const c of await storage.read('k.wav', { start: 2, end: 4 })) chunks.push(c as Buffer);
    storage.close();
    expect(seen[0].headers.range).toBe('bytes=2-4');
    expect(Buffer.concat(chunks).toString()).toBe('234');
  });
});

describe('S3RecordingStorage error classification', () => {
  it.each([
    [503, 'SlowDown', true],
    [500, 'InternalError', true],
    [503, 'ServiceUnavailable', true],
    [400, 'RequestTimeout', true],
    [403, 'AccessDenied', false],
    [403, 'SignatureDoesNotMatch', false],
    [404, 'NoSuchBucket', false],
    [400, 'InvalidArgument', false],
  ])('HTTP %i %s → retryable=%p, with S3\'s Code, Message and RequestId', async (status, code, retryable) => {
    const storage = new S3RecordingStorage(config());
    answer = () => ({ status, headers: { 'content-type': 'application/xml' }, body: errorXml(code, 'the reason') });
    const err = await failure(storage.put('k.wav', { bytes: Buffer.from('x') }, 'audio/wav'));
    storage.close();
    expect(err).toBeInstanceOf(S3StorageError);
    expect(err).toMatchObject({ name: 'S3StorageError', status, code, requestId: 'R-1', retryable });
    expect(err.message).toBe(`PutObject k.wav: HTTP ${status} ${code} — the reason`);
  });

  it('a 5xx without a body is still retryable; its request id comes from the header', async () => {
    const storage = new S3RecordingStorage(config());
    answer = () => ({ status: 502, headers: { 'x-amz-request-id': 'H-9' } });
    const err = await failure(storage.delete('k.wav'));
    storage.close();
    expect(err).toMatchObject({ status: 502, code: null, requestId: 'H-9', retryable: true });
  });

  it('HEAD 404 is "no object" (null), HEAD 403 an error', async () => {
    const storage = new S3RecordingStorage(config());
    answer = () => ({ status: 404 });
    expect(await storage.size('k.wav')).toBeNull();
    answer = () => ({ status: 403 });
    expect(await failure(storage.size('k.wav'))).toMatchObject({ status: 403, retryable: false });
    storage.close();
  });

  it('a whole object where a range was asked for is refused, never passed on as the range', async () => {
    const storage = new S3RecordingStorage(config());
    answer = () => ({ status: 200, body: '0123456789' });
    const err = await failure(storage.read('k.wav', { start: 2, end: 4 }));
    storage.close();
    expect(err).toMatchObject({ status: 200, retryable: false });
    expect(err.message).toMatch(/expected 206/);
  });

  it('a server that never answers times out as a retryable error', async () => {
    const silent = http.createServer(() => undefined); // takes the request, says nothing
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const quiet = new S3RecordingStorage({ ...config(), endpoint: `http://127.0.0.1:${(silent.address() as AddressInfo).port}` }, { idleTimeoutMs: 200 });
    const err = await failure(quiet.size('k.wav'));
    quiet.close();
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
    expect(err).toMatchObject({ status: null, retryable: true });
    expect(err.message).toMatch(/no answer for 200 ms/);
  });
});
