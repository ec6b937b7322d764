import { invalidRequest } from './errors';

/**
 * A small multipart/form-data reader (RFC 7578) for the one multipart endpoint: fastify ships no
 * parser and the body is already a Buffer, so parts are found by boundary in memory.
 */

export interface FormFile {
  filename: string | null;
  contentType: string | null;
  data: Buffer;
}

export interface FormData {
  /** Text fields in order; repeated names (`timestamp_granularities[]`) keep every value. */
  fields: Map<string, string[]>;
  files: Map<string, FormFile>;
}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

export function boundaryOf(contentType: string | undefined): string {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'multipart/form-data') {
    throw invalidRequest(
      `Invalid Content-Type header (${contentType ?? 'none'}), expected multipart/form-data. (HINT: If you're using curl, you can pass -H 'Content-Type: multipart/form-data')`,
    );
  }
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) throw invalidRequest('Could not parse multipart form: the Content-Type header has no boundary.');
  return boundary;
}

export function parseMultipart(body: Buffer, contentType: string | undefined): FormData {
  const delimiter = Buffer.from(`--${boundaryOf(contentType)}`);
  const form: FormData = { fields: new Map(), files: new Map() };
  let at = body.indexOf(delimiter);
  if (at === -1) throw invalidRequest('Could not parse multipart form: no part found.');
  for (;;) {
    at += delimiter.length;
    if (body.subarray(at, at + 2).toString() === '--') return form;
    if (!body.subarray(at, at + 2).equals(CRLF)) throw invalidRequest('Could not parse multipart form: malformed boundary line.');
    const headersEnd = body.indexOf(HEADER_END, at + 2);
    if (headersEnd === -1) throw invalidRequest('Could not parse multipart form: a part has no header end.');
    const headers = parseHeaders(body.subarray(at + 2, headersEnd).toString('utf8'));
    const next = body.indexOf(Buffer.concat([CRLF, delimiter]), headersEnd + 4);
    if (next === -1) throw invalidRequest('Could not parse multipart form: a part is not terminated.');
    addPart(form, headers, body.subarray(headersEnd + 4, next));
    at = next + CRLF.length;
  }
}

function parseHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

function dispositionParam(disposition: string, name: string): string | null {
  // filename* (RFC 5987) first: clients send it for non-ASCII names.
  const extended = new RegExp(`;\\s*${name}\\*=(?:UTF-8'[^']*')?([^;]+)`, 'i').exec(disposition);
  if (extended) return decodeURIComponent(extended[1].trim());
  const plain = new RegExp(`;\\s*${name}=(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]+))`, 'i').exec(disposition);
  if (!plain) return null;
  return plain[1] !== undefined ? plain[1].replace(/\\(.)/g, '$1') : plain[2];
}

function addPart(form: FormData, headers: Map<string, string>, data: Buffer): void {
  const disposition = headers.get('content-disposition') ?? '';
  const name = dispositionParam(disposition, 'name');
  if (!name) throw invalidRequest('Could not parse multipart form: a part has no name.');
  const filename = dispositionParam(disposition, 'filename');
  const type = headers.get('content-type');
  // A part is a file when it says so; browsers and SDKs send fields bare or as text/plain.
  if (filename !== null || (type !== undefined && !/^text\/plain\b/i.test(type))) {
    form.files.set(name, { filename, contentType: type ?? null, data: Buffer.from(data) });
    return;
  }
  const values = form.fields.get(name) ?? [];
  values.push(data.toString('utf8'));
  form.fields.set(name, values);
}
