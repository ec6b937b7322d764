import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { TokenVerifier, type ClaimGrants } from 'livekit-server-sdk';
import {
  AcceptWhatsAppCallRequest,
  ConnectWhatsAppCallRequest,
  DialWhatsAppCallRequest,
  DisconnectWhatsAppCallRequest,
} from '@livekit/protocol';
import { LiveKitConnector, TwirpError, type ConnectorLogger, type LiveKitConnectorOptions } from './connector';
import { clipFromBody } from '../whatsapp/call-audio';
import { listenOn } from '../run-simulator';

/**
 * HTTP face of the LiveKit Connector simulator: LiveKit's Twirp service
 * `POST /twirp/livekit.Connector/{Method}` — JSON (protojson, what livekit-server-sdk sends)
 * or binary protobuf, chosen by Content-Type and answered in kind — authenticated like LiveKit
 * (`Authorization: Bearer <JWT>` signed with the API secret, issuer = API key, `roomCreate`
 * grant); errors as Twirp JSON `{ code, msg, meta }`. A small control API lives under `/_sim`.
 */

/** What the connector needs of a request class: protobuf-es's static decoders. */
interface RequestType<T> {
  fromJson(json: never, options?: { ignoreUnknownFields?: boolean }): T;
  fromBinary(bytes: Uint8Array): T;
}

interface EncodableMessage {
  toJson(): unknown;
  toBinary(): Uint8Array;
}

type Encoding = 'json' | 'protobuf';

/** Decodes the request in its encoding and runs the connector method. */
type Handler = (connector: LiveKitConnector, encoding: Encoding, raw: Buffer) => Promise<EncodableMessage>;

const handler =
  <T>(type: RequestType<T>, run: (connector: LiveKitConnector, req: T) => Promise<EncodableMessage>): Handler =>
  (connector, encoding, raw) =>
    run(connector, decode(type, encoding, raw));

const METHODS: Record<string, Handler> = {
  DialWhatsAppCall: handler(DialWhatsAppCallRequest, (c, r) => c.dialWhatsAppCall(r)),
  AcceptWhatsAppCall: handler(AcceptWhatsAppCallRequest, (c, r) => c.acceptWhatsAppCall(r)),
  ConnectWhatsAppCall: handler(ConnectWhatsAppCallRequest, (c, r) => c.connectWhatsAppCall(r)),
  DisconnectWhatsAppCall: handler(DisconnectWhatsAppCallRequest, (c, r) => c.disconnectWhatsAppCall(r)),
};

const SERVICE_PREFIX = '/twirp/livekit.Connector/';

function encodingOf(contentType: string | undefined): Encoding | undefined {
  const mime = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (mime === 'application/json') return 'json';
  if (mime === 'application/protobuf' || mime === 'application/x-protobuf') return 'protobuf';
  return undefined;
}

/**
 * JSON with exactly `Content-Type: application/json`, as Twirp servers send it: the SDK compares
 * an error's Content-Type verbatim. (Fastify would append `; charset=utf-8` to a string payload.)
 */
function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.status(status).header('content-type', 'application/json').send(Buffer.from(JSON.stringify(body)));
}

/** Twirp errors are always JSON. */
function sendTwirpError(reply: FastifyReply, err: TwirpError): FastifyReply {
  return sendJson(reply, err.httpStatus, err.toBody());
}

export interface LiveKitConnectorServerOptions {
  apiKey: string;
  apiSecret: string;
  logger?: ConnectorLogger;
}

export function buildLiveKitConnectorServer(connector: LiveKitConnector, options: LiveKitConnectorServerOptions): FastifyInstance {
  const verifier = new TokenVerifier(options.apiKey, options.apiSecret);
  const logger = options.logger;
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024, forceCloseConnections: true });

  // Bodies are decoded per method (JSON or protobuf), so keep them raw.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    if (err instanceof TwirpError) return sendTwirpError(reply, err);
    const status = err.statusCode ?? 500;
    if (req.url.startsWith('/twirp/')) {
      if (status === 413) return sendTwirpError(reply, new TwirpError('malformed', `request body too large: ${err.message}`));
      logger?.error({ err: err.message, url: req.url }, 'connector simulator failed');
      return sendTwirpError(reply, new TwirpError(status < 500 ? 'malformed' : 'internal', err.message));
    }
    return reply.status(status).send({ error: err.message });
  });

  app.setNotFoundHandler((req, reply) => {
    if (req.url.startsWith('/twirp/')) {
      return sendTwirpError(reply, new TwirpError('bad_route', `no handler for path "${req.url}" (${req.method})`, { twirp_invalid_route: `${req.method} ${req.url}` }));
    }
    return reply.status(404).send({ error: `not found: ${req.method} ${req.url}` });
  });

  const authorize = async (req: FastifyRequest): Promise<ClaimGrants> => {
    const header = req.headers.authorization;
    const token = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
    if (!token) throw new TwirpError('unauthenticated', 'invalid authorization header. Must start with Bearer');
    let claims: ClaimGrants;
    try {
      claims = await verifier.verify(token);
    } catch (err) {
      throw new TwirpError('unauthenticated', `invalid token: ${(err as Error).message}`);
    }
    if (!claims.video?.roomCreate) throw new TwirpError('permission_denied', 'permissions denied: the token has no roomCreate grant');
    return claims;
  };

  // --- Twirp
  app.post(`${SERVICE_PREFIX}:method`, async (req, reply) => {
    const name = (req.params as { method: string }).method;
    const started = Date.now();
    const run = Object.hasOwn(METHODS, name) ? METHODS[name] : undefined;
    if (!run) {
      const err =
        name === 'ConnectTwilioCall'
          ? new TwirpError('unimplemented', 'the connector simulator implements only the WhatsApp methods')
          : new TwirpError('bad_route', `no handler for path "${req.url}"`, { twirp_invalid_route: `POST ${req.url}` });
      return sendTwirpError(reply, err);
    }
    const encoding = encodingOf(req.headers['content-type']);
    if (!encoding) {
      return sendTwirpError(
        reply,
        new TwirpError('bad_route', `unexpected Content-Type: "${req.headers['content-type'] ?? ''}"`, { twirp_invalid_route: `POST ${req.url}` }),
      );
    }
    try {
      await authorize(req);
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const response = await run(connector, encoding, raw);
      logger?.info({ method: name, encoding, ms: Date.now() - started }, 'connector rpc');
      if (encoding === 'protobuf') {
        return reply.status(200).header('content-type', 'application/protobuf').send(Buffer.from(response.toBinary()));
      }
      return sendJson(reply, 200, response.toJson());
    } catch (err) {
      if (!(err instanceof TwirpError)) throw err;
      logger?.info({ method: name, encoding, code: err.code, msg: err.message, ms: Date.now() - started }, 'connector rpc failed');
      return sendTwirpError(reply, err);
    }
  });

  // --- control API
  app.get('/_sim/health', async () => ({ ok: true }));
  app.get('/_sim/calls', async () => ({ data: connector.list() }));
  app.get('/_sim/calls/:callId', async (req, reply) => {
    const call = connector.get((req.params as { callId: string }).callId);
    return call ? { call } : reply.status(404).send({ error: 'unknown call' });
  });
  // The WhatsApp caller of a connected call says this next: {text, voice?} or {wav_base64}.
  app.post('/_sim/calls/:callId/speak', async (req, reply) => {
    const callId = (req.params as { callId: string }).callId;
    const call = connector.get(callId);
    if (!call) return reply.status(404).send({ error: 'unknown call' });
    let body: unknown;
    try {
      body = JSON.parse(Buffer.isBuffer(req.body) && req.body.length ? req.body.toString('utf8') : '{}');
    } catch {
      return reply.status(400).send({ error: 'body: not JSON' });
    }
    const parsed = await clipFromBody(body);
    if ('error' in parsed) return reply.status(400).send({ error: parsed.error });
    const said = connector.say(callId, parsed.clip);
    if (!said) return reply.status(409).send({ error: 'no media here: the simulator was started without LIVEKIT_URL' });
    if (!said.queued) return reply.status(409).send({ error: said.reason === 'ended' ? 'the call has ended' : `the call is ${call.state}, not connected` });
    return reply.status(202).send({ clipMs: said.clipMs });
  });
  app.get('/_sim/meta-requests', async () => ({ data: connector.metaRequests() }));
  // Fault: the next AcceptWhatsAppCall answers late, as the real one can while it waits for the room.
  app.post('/_sim/faults/slow-accept', async (req, reply) => {
    let delayMs: unknown;
    try {
      delayMs = (JSON.parse(Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '{}') as { delayMs?: unknown }).delayMs;
    } catch {
      delayMs = undefined;
    }
    if (typeof delayMs !== 'number' || !Number.isInteger(delayMs) || delayMs < 0) {
      return reply.status(400).send({ error: 'delayMs must be a non-negative integer' });
    }
    connector.delayNextAcceptAnswer(delayMs);
    return { ok: true };
  });
  app.post('/_sim/reset', async () => {
    connector.reset();
    return { ok: true };
  });

  return app;
}

function decode<T>(type: RequestType<T>, encoding: Encoding, raw: Buffer): T {
  if (encoding === 'protobuf') {
    try {
      return type.fromBinary(new Uint8Array(raw));
    } catch (err) {
      throw new TwirpError('malformed', `the protobuf request body could not be decoded: ${(err as Error).message}`);
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(raw.length ? raw.toString('utf8') : '{}');
  } catch (err) {
    throw new TwirpError('malformed', `the json request could not be decoded: ${(err as Error).message}`);
  }
  try {
    return type.fromJson(json as never, { ignoreUnknownFields: true });
  } catch (err) {
    throw new TwirpError('malformed', `the json request could not be decoded: ${(err as Error).message}`);
  }
}

export interface StartLiveKitConnectorSimulatorOptions extends LiveKitConnectorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** LiveKit API key: the issuer every token must carry. */
  apiKey: string;
  /** LiveKit API secret the tokens are signed with. */
  apiSecret: string;
}

export interface RunningLiveKitConnectorSimulator {
  url: string;
  connector: LiveKitConnector;
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function startLiveKitConnectorSimulator(options: StartLiveKitConnectorSimulatorOptions): Promise<RunningLiveKitConnectorSimulator> {
  const { port = 0, host = '127.0.0.1', apiKey, apiSecret, ...connectorOptions } = options;
  if (!apiKey || !apiSecret) throw new Error('apiKey and apiSecret are required');
  const connector = new LiveKitConnector(connectorOptions);
  const app = buildLiveKitConnectorServer(connector, { apiKey, apiSecret, logger: options.logger });
  const url = await listenOn(app, port, host);
  return {
    url,
    connector,
    app,
    close: async () => {
      await connector.close();
      await app.close();
    },
  };
}
