import { createHash, createHmac } from 'node:crypto';

/**
 * AWS Signature Version 4 for header-signed requests, as AWS documents it ("Create a signed AWS
 * API request" and S3's "Signature Calculations for the Authorization Header"). Written with
 * node:crypto so recado needs no AWS SDK to talk to an S3-compatible server.
 *
 * The canonical path follows S3's rule: each segment URI-encoded once, slashes kept, no
 * normalisation (other AWS services encode twice and normalise; recado signs only for S3).
 */

export const EMPTY_PAYLOAD_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const ALGORITHM = 'AWS4-HMAC-SHA256';

export interface SigV4Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SigV4Request {
  method: string;
  /** The path as sent on the wire, already URI-encoded (see uriEncodePath). */
  path: string;
  /** Decoded query parameters; encoded and sorted here. */
  query?: ReadonlyArray<[string, string]>;
  /** Every header to sign, `host` and `x-amz-date` included; names in any case. */
  headers: Record<string, string>;
  /** Hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`. */
  payloadHash: string;
}

export interface SigV4Signature {
  authorization: string;
  signedHeaders: string;
  canonicalRequest: string;
  stringToSign: string;
  signature: string;
}

/** RFC 3986 unreserved characters stay; everything else is %XX of its UTF-8 bytes, uppercase hex. */
export function uriEncode(value: string, encodeSlash = true): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(ch) || (ch === '/' && !encodeSlash)) out += ch;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** An object key as an S3 path: every segment encoded, the slashes between them kept. */
export function uriEncodePath(path: string): string {
  return uriEncode(path, false);
}

/** `20150830T123600Z`: the ISO 8601 basic form SigV4 uses in x-amz-date. */
export function amzDate(at: Date): string {
  return at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"). */
export function signingKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), 'aws4_request');
}

function canonicalQuery(query: ReadonlyArray<[string, string]>): string {
  return query
    .map(([name, value]) => [uriEncode(name), uriEncode(value)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

export function signRequest(
  request: SigV4Request,
  credentials: SigV4Credentials,
  scope: { region: string; service: string },
): SigV4Signature {
  const headers = new Map<string, string>();
  for (const [name, value] of Object.entries(request.headers)) {
    // Values are trimmed and inner runs of spaces collapse to one, as the spec requires.
    headers.set(name.toLowerCase(), value.trim().replace(/\s+/g, ' '));
  }
  const timestamp = headers.get('x-amz-date');
  if (!timestamp || !/^\d{8}T\d{6}Z$/.test(timestamp)) throw new Error('SigV4: the x-amz-date header is missing or malformed');
  if (!headers.has('host')) throw new Error('SigV4: the host header is missing');

  const names = [...headers.keys()].sort();
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    request.method.toUpperCase(),
    request.path || '/',
    canonicalQuery(request.query ?? []),
    names.map((name) => `${name}:${headers.get(name)}\n`).join(''),
    signedHeaders,
    request.payloadHash,
  ].join('\n');

  const date = timestamp.slice(0, 8);
  const credentialScope = `${date}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = [ALGORITHM, timestamp, credentialScope, sha256Hex(canonicalRequest)].join('\n');
  const signature = createHmac('sha256', signingKey(credentials.secretAccessKey, date, scope.region, scope.service))
    .update(stringToSign, 'utf8')
    .digest('hex');
  return {
    authorization: `${ALGORITHM} Credential=${credentials.accessKeyId}/${credentialScope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    signedHeaders,
    canonicalRequest,
    stringToSign,
    signature,
  };
}
