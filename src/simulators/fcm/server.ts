import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { FCM_ERROR_CODES, FcmSimulator, googleError, type FcmErrorCode, type FcmSimulatorOptions, type SimResponse } from './simulator';

/**
 * HTTP face of the FCM simulator:
 *   POST /token                                     Google's OAuth2 token endpoint (form body)
 *   POST /v1/projects/{project_id}/messages:send    FCM HTTP v1
 * and a JSON control API under /_sim for tests and demos:
 *   POST /_sim/service-accounts        trust a key file ({service_account_json} or its fields)
 *   POST /_sim/devices/{token}/unregister
 *   POST /_sim/faults                  {error_code, count?, token?, retry_after_seconds?}
 *   POST /_sim/answer-late             {ms, count?}: the next sends are accepted but answered after ms
 *   POST /_sim/revoke-access-tokens    every access token issued so far stops working
 *   GET  /_sim/messages?token=         what was sent
 *   GET  /_sim/stats                   token exchanges and send requests so far
 *   POST /_sim/reset
 */

type Body = Record<string, unknown>;

class ControlError extends Error {}

export function buildFcmSimulatorServer(simulator: FcmSimulator): FastifyInstance {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    if (req.url.startsWith('/_sim')) return reply.status(err instanceof ControlError ? 400 : err.statusCode ?? 500).send({ error: err.message });
    if (req.url.startsWith('/token')) return reply.status(400).send({ error: 'invalid_request', error_description: err.message });
    // A body that is not JSON, in Google's words.
    const status = err.statusCode && err.statusCode < 500 ? 400 : 500;
    return send(reply, googleError(status, status === 400 ? 'INVALID_ARGUMENT' : 'INTERNAL', `Invalid JSON payload received. ${err.message}`));
  });

  const body = (b: unknown): Body => (b && typeof b === 'object' ? (b as Body) : {});
  const send = async (reply: FastifyReply, r: SimResponse) => {
    if (r.delayMs) await new Promise((resolve) => setTimeout(resolve, r.delayMs).unref());
    return reply.status(r.status).headers(r.headers ?? {}).send(r.body);
  };

  app.post('/token', async (req, reply) => send(reply, simulator.handleToken(body(req.body) as Record<string, string>)));
  // `::` is a literal colon in a Fastify path.
  app.post('/v1/projects/:projectId/messages::send', async (req, reply) => {
    const { projectId } = req.params as { projectId: string };
    return send(reply, simulator.handleSend(projectId, req.headers.authorization, req.body));
  });

  app.get('/_sim/health', async () => ({ ok: true, tokenUrl: simulator.tokenUrl }));
  app.post('/_sim/service-accounts', async (req) => {
    const b = body(req.body);
    const sa = (typeof b.service_account_json === 'string' ? JSON.parse(b.service_account_json) : b) as Parameters<FcmSimulator['trust']>[0];
    if (typeof sa.client_email !== 'string' || typeof sa.project_id !== 'string') throw new ControlError('client_email and project_id are required');
    simulator.trust(sa);
    return { ok: true, client_email: sa.client_email };
  });
  app.post('/_sim/devices/:token/unregister', async (req) => {
    simulator.unregister((req.params as { token: string }).token);
    return { ok: true };
  });
  app.post('/_sim/faults', async (req) => {
    const b = body(req.body);
    const errorCode = (b.error_code ?? b.errorCode) as FcmErrorCode;
    if (!FCM_ERROR_CODES.includes(errorCode)) throw new ControlError(`error_code must be one of ${FCM_ERROR_CODES.join(', ')}`);
    const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
    simulator.addFault({
      errorCode,
      count: num(b.count) ?? 1,
      token: typeof b.token === 'string' ? b.token : undefined,
      retryAfterSeconds: num(b.retry_after_seconds) ?? num(b.retryAfterSeconds),
    });
    return { ok: true };
  });
  app.post('/_sim/answer-late', async (req) => {
    const b = body(req.body);
    if (typeof b.ms !== 'number' || b.ms < 0) throw new ControlError('ms (a non-negative number) is required');
    simulator.answerLate(b.ms, typeof b.count === 'number' ? b.count : 1);
    return { ok: true };
  });
  app.post('/_sim/revoke-access-tokens', async () => {
    simulator.revokeAccessTokens();
    return { ok: true };
  });
  app.get('/_sim/messages', async (req) => ({ data: simulator.messages({ token: (req.query as { token?: string }).token }) }));
  app.get('/_sim/stats', async () => simulator.stats);
  app.post('/_sim/reset', async () => {
    simulator.reset();
    return { ok: true };
  });
  return app;
}

export interface RunningFcmSimulator {
  url: string;
  simulator: FcmSimulator;
  close(): Promise<void>;
}

/** Listens on `port` (0: a free one); the simulator's own /token URL is accepted as an assertion audience. */
export async function startFcmSimulator(options: FcmSimulatorOptions & { port?: number; host?: string } = {}): Promise<RunningFcmSimulator> {
  const { port = 0, host = '127.0.0.1', ...simOptions } = options;
  const simulator = new FcmSimulator(simOptions);
  const app = buildFcmSimulatorServer(simulator);
  await app.listen({ port, host });
  const address = app.server.address();
  const url = `http://${host}:${typeof address === 'object' && address ? address.port : port}`;
  simulator.tokenUrl ??= `${url}/token`;
  return { url, simulator, close: () => app.close() };
}
