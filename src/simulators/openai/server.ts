import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import { buildChatCompletion, CHAT_MODELS, parseChatRequest } from './chat';
import {
  contentTooLarge, incorrectApiKey, invalidRequest, missingApiKey, modelNotFound, OpenAIError, rateLimited, serverError, unknownRoute,
} from './errors';
import { parseMultipart } from './multipart';
import { PocketsphinxRecogniser, RecogniserUnavailableError, UndecodableAudioError, type Recognition, type SpeechRecogniser } from './recogniser';
import { buildTranscription, parseTranscriptionRequest, TRANSCRIPTION_MODELS } from './transcription';
import { listenOn } from '../run-simulator';

/**
 * HTTP face of the OpenAI simulator: the endpoints recado calls under `/v1` (Bearer `sk-…` keys,
 * OpenAI's error shape, `openai-processing-ms` / `x-request-id` / `openai-version` on every answer)
 * and a JSON control API under `/_sim` for tests: health, what was received, injected faults.
 */

/** The API refuses bodies above 25 MiB with 413 (its own figure in the message). */
export const MAX_UPLOAD_BYTES = 26_214_400;
const OPENAI_VERSION = '2020-10-01';
const MAX_KEPT_REQUESTS = 500;

export interface ReceivedRequest {
  id: string;
  method: string;
  path: string;
  receivedAt: string;
  status: number;
  processingMs: number;
  /** Chat: the JSON body. Transcription: the form's text fields and the file's name, type and size. */
  body: unknown;
  recognition?: { audioS: number; convertMs: number; decodeMs: number };
}

export interface FaultInput {
  /** 429 or a 5xx; without it the fault only delays. */
  status?: number;
  /** How many of the next /v1 requests it applies to (default 1). */
  count?: number;
  delayMs?: number;
  /** Sent as `retry-after-ms` with a 429/5xx so clients retry fast (openai-node honours it). */
  retryAfterMs?: number;
  /** Only requests whose path starts with this, e.g. `/v1/audio`. */
  path?: string;
}

interface Fault extends Required<Omit<FaultInput, 'status' | 'path'>> {
  status: number | null;
  path: string | null;
}

export interface OpenAISimulatorOptions {
  recogniser?: SpeechRecogniser;
  /** Warm pocketsphinx workers when the simulator makes its own recogniser (default 1). */
  recogniserWorkers?: number;
  maxUploadBytes?: number;
}

interface RequestState {
  id: string;
  startedAt: number;
  body?: unknown;
  recognition?: Recognition;
}

const stateOf = new WeakMap<FastifyRequest, RequestState>();
const MODEL_CREATED = 1_700_000_000;

export function buildOpenAISimulatorServer(options: OpenAISimulatorOptions = {}) {
  const recogniser = options.recogniser ?? new PocketsphinxRecogniser({ workers: options.recogniserWorkers });
  const maxUpload = options.maxUploadBytes ?? MAX_UPLOAD_BYTES;
  const received: ReceivedRequest[] = [];
  let faults: Fault[] = [];

  // Bodies up to twice the limit are read so the 413 can say how much came; beyond that fastify stops reading.
  const app: FastifyInstance = Fastify({ logger: false, bodyLimit: maxUpload * 2, forceCloseConnections: true });
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, body === '' ? undefined : JSON.parse(body as string));
    } catch {
      done(null, { __unparsable: true });
    }
  });
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const send = (reply: FastifyReply, error: OpenAIError) => reply.status(error.status).send(error.toBody());

  app.addHook('onRequest', async (req, reply) => {
    const state: RequestState = { id: `req_${randomBytes(16).toString('hex')}`, startedAt: Date.now() };
    stateOf.set(req, state);
    reply.header('x-request-id', state.id).header('openai-version', OPENAI_VERSION);
    if (!req.url.startsWith('/v1/')) return;
    const auth = req.headers.authorization;
    const key = /^Bearer\s+(.+)$/i.exec(auth ?? '')?.[1]?.trim();
    if (!key) return send(reply, missingApiKey());
    if (!/^sk-[A-Za-z0-9_-]{8,}$/.test(key)) return send(reply, incorrectApiKey(key));
    const fault = faults.find((f) => f.path === null || req.url.startsWith(f.path));
    if (!fault) return;
    fault.count -= 1;
    faults = faults.filter((f) => f.count > 0);
    if (fault.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (fault.status === null) return;
    if (fault.retryAfterMs >= 0) reply.header('retry-after-ms', String(fault.retryAfterMs));
    const error = fault.status === 429 ? rateLimited() : serverError();
    return reply.status(fault.status).send(error.toBody());
  });

  app.addHook('onSend', async (req, reply) => {
    const state = stateOf.get(req);
    if (state) reply.header('openai-processing-ms', String(Date.now() - state.startedAt));
  });

  app.addHook('onResponse', async (req, reply) => {
    const state = stateOf.get(req);
    if (!state || !req.url.startsWith('/v1/')) return;
    received.push({
      id: state.id,
      method: req.method,
      path: req.url,
      receivedAt: new Date(state.startedAt).toISOString(),
      status: reply.statusCode,
      processingMs: Number(reply.getHeader('openai-processing-ms') ?? 0),
      body: state.body,
      recognition: state.recognition
        ? { audioS: state.recognition.durationS, convertMs: state.recognition.convertMs, decodeMs: state.recognition.decodeMs }
        : undefined,
    });
    if (received.length > MAX_KEPT_REQUESTS) received.splice(0, received.length - MAX_KEPT_REQUESTS);
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    if (err instanceof OpenAIError) return send(reply, err);
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return send(reply, contentTooLarge(maxUpload, Number(req.headers['content-length'] ?? 0)));
    if (req.url.startsWith('/_sim')) return reply.status(err.statusCode ?? 500).send({ error: err.message });
    const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
    return send(reply, status < 500 ? invalidRequest(err.message) : new OpenAIError(500, err.message, 'server_error'));
  });

  app.setNotFoundHandler((req, reply) => {
    if (req.url.startsWith('/_sim')) return reply.status(404).send({ error: `no control route ${req.method} ${req.url}` });
    return send(reply, unknownRoute(req.method, req.url));
  });

  // --- OpenAI API
  app.post('/v1/audio/transcriptions', async (req, reply) => {
    const state = stateOf.get(req) as RequestState;
    const length = Number(req.headers['content-length'] ?? (req.body as Buffer | undefined)?.length ?? 0);
    if (length > maxUpload) throw contentTooLarge(maxUpload, length);
    // A JSON (or any non-multipart) body fails on its Content-Type, as the API's does.
    const form = parseMultipart(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), req.headers['content-type']);
    const file = form.files.get('file');
    state.body = {
      fields: Object.fromEntries(form.fields),
      file: file ? { filename: file.filename, contentType: file.contentType, bytes: file.data.length } : null,
    };
    const request = parseTranscriptionRequest(form);
    try {
      state.recognition = await recogniser.recognise(request.file.data, request.extension);
    } catch (err) {
      if (err instanceof UndecodableAudioError) {
        throw invalidRequest(`The audio file could not be decoded or its format is not supported. (${err.message})`, 'file');
      }
      if (err instanceof RecogniserUnavailableError) throw new OpenAIError(500, `recado OpenAI simulator: ${err.message}`, 'server_error');
      throw err;
    }
    const answer = buildTranscription(request, state.recognition);
    return reply.type(answer.contentType).send(answer.body);
  });

  app.post('/v1/chat/completions', async (req) => {
    const state = stateOf.get(req) as RequestState;
    state.body = req.body;
    if (Buffer.isBuffer(req.body) || (req.body as { __unparsable?: boolean } | undefined)?.__unparsable) throw invalidRequest(unparsableJson());
    return buildChatCompletion(parseChatRequest(req.body));
  });

  const modelList = () => [...TRANSCRIPTION_MODELS, ...CHAT_MODELS].map((id) => ({ id, object: 'model', created: MODEL_CREATED, owned_by: id === 'recado-openai-simulator' ? 'recado' : 'system' }));
  app.get('/v1/models', async () => ({ object: 'list', data: modelList() }));
  app.get('/v1/models/:model', async (req) => {
    const id = (req.params as { model: string }).model;
    const model = modelList().find((m) => m.id === id);
    if (!model) throw modelNotFound(id);
    return model;
  });

  // --- control API
  app.get('/_sim/health', async () => {
    const recognition = recogniser instanceof PocketsphinxRecogniser ? recogniser.available() : { ok: true };
    return { ok: true, recognition };
  });
  app.get('/_sim/requests', async () => ({ data: received }));
  app.delete('/_sim/requests', async () => {
    received.length = 0;
    return { ok: true };
  });
  app.get('/_sim/faults', async () => ({ data: faults }));
  app.post('/_sim/faults', async (req, reply) => {
    const b = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
    const status = num(b.status) ?? null;
    if (status !== null && status !== 429 && (status < 500 || status > 599)) return reply.status(400).send({ error: 'status must be 429 or 5xx' });
    const delayMs = num(b.delayMs) ?? num(b.delay_ms) ?? 0;
    if (status === null && delayMs <= 0) return reply.status(400).send({ error: 'a fault needs status (429/5xx) or delayMs > 0' });
    const fault: Fault = {
      status,
      count: Math.max(1, Math.floor(num(b.count) ?? 1)),
      delayMs,
      retryAfterMs: num(b.retryAfterMs) ?? num(b.retry_after_ms) ?? -1,
      path: typeof b.path === 'string' && b.path !== '' ? b.path : null,
    };
    faults.push(fault);
    return { ok: true, fault };
  });
  app.delete('/_sim/faults', async () => {
    faults = [];
    return { ok: true };
  });
  app.post('/_sim/reset', async () => {
    faults = [];
    received.length = 0;
    return { ok: true };
  });

  app.addHook('onClose', async () => recogniser.close());
  return app;
}

function unparsableJson(): string {
  return "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)";
}

export interface StartOpenAISimulatorOptions extends OpenAISimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
}

export interface RunningOpenAISimulator {
  /** e.g. http://127.0.0.1:4020 — the OpenAI base URL is `${url}/v1`. */
  url: string;
  baseURL: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function startOpenAISimulator(options: StartOpenAISimulatorOptions = {}): Promise<RunningOpenAISimulator> {
  const { port = 0, host = '127.0.0.1', ...rest } = options;
  const app = buildOpenAISimulatorServer(rest);
  const url = await listenOn(app, port, host);
  return { url, baseURL: `${url}/v1`, app, close: () => app.close() };
}
