import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import type { S3StorageConfig } from '../config/call-audio.config';
import { checkedKey, type RecordingStorage } from './storage';
import { EMPTY_PAYLOAD_SHA256, amzDate, sha256Hex, signRequest, uriEncodePath } from './sigv4';

/**
 * Recordings in a bucket of any S3-compatible server (AWS S3, SeaweedFS, MinIO, R2, …), spoken to
 * with plain HTTP and Signature V4 (sigv4.ts): PutObject, HeadObject, GetObject (with Range) and
 * DeleteObject. Path-style URLs (`<endpoint>/<bucket>/<key>`) unless forcePathStyle is false.
 */

/** S3 error codes that a later attempt of the same request can get past. */
const RETRYABLE_CODES = new Set(['InternalError', 'ServiceUnavailable', 'SlowDown', 'RequestTimeout', 'OperationAborted']);

export class S3StorageError extends Error {
  override readonly name = 'S3StorageError';
  /** True when sending the same request later may succeed (5xx, throttling, the network). */
  readonly retryable: boolean;

  constructor(
    message: string,
    /** HTTP status; null when no response came back. */
    readonly status: number | null,
    /** S3's error Code (NoSuchKey, AccessDenied, SignatureDoesNotMatch, …), when the server sent one. */
    readonly code: string | null,
    readonly requestId: string | null,
    options?: { cause?: unknown; retryable?: boolean },
  ) {
    super(message, options);
    this.retryable = options?.retryable ?? (status === null || status >= 500 || status === 429 || (code !== null && RETRYABLE_CODES.has(code)));
  }

  toJSON() {
    return { name: this.name, message: this.message, status: this.status, code: this.code, requestId: this.requestId, retryable: this.retryable };
  }
}

export interface S3RecordingStorageOptions {
  /** A request that sends or receives nothing for this long is abandoned (retryable). */
  idleTimeoutMs?: number;
  /** The clock that signs requests; tests pass a fixed one. */
  now?: () => Date;
  /** Name resolution (dns.lookup by default); tests send a bucket's host name to loopback. */
  lookup?: LookupFunction;
}

type Body = { bytes: Buffer } | { file: string; size: number } | null;

export class S3RecordingStorage implements RecordingStorage {
  private readonly endpoint: URL;
  private readonly agent: http.Agent;
  private readonly idleTimeoutMs: number;
  private readonly now: () => Date;
  private readonly lookup: LookupFunction | undefined;

  constructor(
    private readonly config: S3StorageConfig,
    options: S3RecordingStorageOptions = {},
  ) {
    if (!config.bucket) throw new Error('S3 recording storage needs a bucket (RECORDING_S3_BUCKET)');
    this.endpoint = new URL(config.endpoint ?? `https://s3.${config.region}.amazonaws.com`);
    this.agent = this.endpoint.protocol === 'https:' ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
    this.idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
    this.now = options.now ?? (() => new Date());
    this.lookup = options.lookup;
  }

  async put(key: string, source: { file: string } | { bytes: Buffer }, contentType: string): Promise<void> {
    checkedKey(key);
    let body: Body;
    let payloadHash: string;
    if ('bytes' in source) {
      body = { bytes: source.bytes };
      payloadHash = sha256Hex(source.bytes);
    } else {
      // The payload is signed: hashed in one pass over the file, then streamed in a second.
      const { size } = await stat(source.file);
      body = { file: source.file, size };
      payloadHash = await fileSha256(source.file);
    }
    const res = await this.send('PUT', key, { 'content-type': contentType }, body, payloadHash);
    await expectStatus(res, [200], `PutObject ${key}`);
  }

  async size(key: string): Promise<number | null> {
    const res = await this.send('HEAD', checkedKey(key), {}, null);
    if (res.statusCode === 404) {
      res.resume();
      return null;
    }
    await expectStatus(res, [200], `HeadObject ${key}`);
    const length = Number(res.headers['content-length']);
    if (!Number.isInteger(length)) throw new S3StorageError(`HeadObject ${key}: no Content-Length in the answer`, res.statusCode ?? null, null, requestIdOf(res));
    return length;
  }

  async read(key: string, range?: { start: number; end: number }): Promise<Readable> {
    const headers: Record<string, string> = range ? { range: `bytes=${range.start}-${range.end}` } : {};
    const res = await this.send('GET', checkedKey(key), headers, null);
    await expectStatus(res, [range ? 206 : 200], `GetObject ${key}${range ? ` bytes=${range.start}-${range.end}` : ''}`);
    return res;
  }

  async delete(key: string): Promise<void> {
    const res = await this.send('DELETE', checkedKey(key), {}, null);
    // S3 answers 204 for a key that is not there; some compatible servers say 404.
    if (res.statusCode === 404) {
      res.resume();
      return;
    }
    await expectStatus(res, [200, 204], `DeleteObject ${key}`);
  }

  /** Creates the bucket when it is missing (local stacks and tests; production buckets are provisioned). */
  async ensureBucket(): Promise<void> {
    const head = await this.send('HEAD', null, {}, null);
    head.resume();
    if (head.statusCode === 200) return;
    const res = await this.send('PUT', null, {}, null);
    if (res.statusCode === 409) {
      res.resume(); // BucketAlreadyOwnedByYou: someone made it a moment ago
      return;
    }
    await expectStatus(res, [200], `CreateBucket ${this.config.bucket}`);
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  private target(key: string | null): { host: string; path: string } {
    const bucketPath = this.config.forcePathStyle ? `/${this.config.bucket}` : '';
    const host = this.config.forcePathStyle ? this.endpoint.host : `${this.config.bucket}.${this.endpoint.host}`;
    const objectPath = key === null ? '' : `/${key}`;
    return { host, path: uriEncodePath(`${bucketPath}${objectPath}`) || '/' };
  }

  private send(method: string, key: string | null, extra: Record<string, string>, body: Body, payloadHash = EMPTY_PAYLOAD_SHA256): Promise<IncomingMessage> {
    const { host, path } = this.target(key);
    const headers: Record<string, string> = {
      ...extra,
      host,
      'x-amz-date': amzDate(this.now()),
      'x-amz-content-sha256': payloadHash,
    };
    if (body) headers['content-length'] = String('bytes' in body ? body.bytes.length : body.size);
    else if (method === 'PUT') headers['content-length'] = '0';
    headers.authorization = signRequest({ method, path, headers, payloadHash }, this.config, { region: this.config.region, service: 's3' }).authorization;

    const client = this.endpoint.protocol === 'https:' ? https : http;
    const what = `${method} ${key ?? this.config.bucket}`;
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = client.request({
        protocol: this.endpoint.protocol,
        hostname: this.config.forcePathStyle ? this.endpoint.hostname : `${this.config.bucket}.${this.endpoint.hostname}`,
        port: this.endpoint.port || undefined,
        method,
        path,
        headers,
        agent: this.agent,
        lookup: this.lookup,
        timeout: this.idleTimeoutMs,
      });
      req.on('timeout', () => req.destroy(new S3StorageError(`${what}: no answer for ${this.idleTimeoutMs} ms`, null, null, null)));
      req.on('error', (err) => reject(err instanceof S3StorageError ? err : new S3StorageError(`${what}: ${err.message}`, null, null, null, { cause: err })));
      req.on('response', (res) => {
        // After the headers, a stalled body is the reader's problem: the same idle limit applies.
        res.setTimeout(this.idleTimeoutMs, () => res.destroy(new S3StorageError(`${what}: the body stalled for ${this.idleTimeoutMs} ms`, null, null, null)));
        resolve(res);
      });
      if (!body) req.end();
      else if ('bytes' in body) req.end(body.bytes);
      else {
        const file = createReadStream(body.file);
        file.on('error', (err) => req.destroy(err));
        file.pipe(req);
      }
    });
  }
}

async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function requestIdOf(res: IncomingMessage): string | null {
  const id = res.headers['x-amz-request-id'];
  return typeof id === 'string' ? id : null;
}

/** Anything but the expected status becomes an S3StorageError carrying S3's error Code and Message. */
async function expectStatus(res: IncomingMessage, expected: number[], what: string): Promise<void> {
  const status = res.statusCode ?? 0;
  if (expected.includes(status)) return;
  if (status >= 200 && status < 300) {
    // A success we did not ask for (a whole object for a ranged read): never hand over the wrong bytes.
    res.destroy();
    throw new S3StorageError(`${what}: HTTP ${status}, expected ${expected.join(' or ')}`, status, null, requestIdOf(res), { retryable: false });
  }
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  const xml = Buffer.concat(chunks).toString('utf8');
  const tag = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1] ?? null;
  const code = tag('Code');
  const message = tag('Message');
  const requestId = tag('RequestId') ?? requestIdOf(res);
  throw new S3StorageError(`${what}: HTTP ${status}${code ? ` ${code}` : ''}${message ? ` — ${message}` : ''}`, status, code, requestId);
}
