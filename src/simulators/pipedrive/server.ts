import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { PipedriveSimulator, type PipedriveSimulatorOptions, type SimFault } from './simulator';
import { listenOn } from '../run-simulator';

/**
 * HTTP face of the Pipedrive simulator: the API under /api/v2/… and /v1/… (also /api/v1/…), the
 * token from the `x-api-token` header or the `api_token` query parameter as Pipedrive accepts
 * both, and a JSON control API under /_sim for tests and demos (users, tokens, pipelines, faults,
 * rate limits, what was stored).
 */

type Body = Record<string, unknown>;
const num = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined);

export function buildPipedriveSimulatorServer(simulator: PipedriveSimulator): FastifyInstance {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
    if (req.url.startsWith('/_sim')) return reply.status(status).send({ error: err.message });
    // Malformed JSON and the like, in Pipedrive's error envelope.
    return reply.status(status).send({ success: false, error: err.message, error_info: 'Please check developers.pipedrive.com', data: null, additional_data: null });
  });
  const body = (req: FastifyRequest): Body => (req.body && typeof req.body === 'object' ? (req.body as Body) : {});

  // --- control API
  app.get('/_sim/health', async () => ({ ok: true }));
  app.get('/_sim/state', async () => simulator.state());
  app.get('/_sim/requests', async () => ({ data: simulator.requests() }));
  app.post('/_sim/users', async (req) => simulator.addUser({ name: body(req).name as string | undefined, email: body(req).email as string | undefined }));
  app.post('/_sim/tokens', async (req) => {
    const b = body(req);
    if (typeof b.token !== 'string' || !b.token) throw Object.assign(new Error('token is required'), { statusCode: 400 });
    simulator.addToken(b.token, num(b.userId ?? b.user_id) ?? 1);
    return { ok: true };
  });
  app.post('/_sim/pipelines', async (req) => {
    const b = body(req);
    const stages = Array.isArray(b.stages) ? b.stages.map(String) : [];
    if (typeof b.name !== 'string' || stages.length === 0) throw Object.assign(new Error('name and stages are required'), { statusCode: 400 });
    return simulator.addPipeline({ name: b.name, stages });
  });
  app.post('/_sim/faults', async (req) => {
    const b = body(req);
    const status = num(b.status);
    if (status === undefined) throw Object.assign(new Error('status is required'), { statusCode: 400 });
    const fault: SimFault = {
      status,
      method: typeof b.method === 'string' ? b.method : undefined,
      path: typeof b.path === 'string' ? b.path : undefined,
      count: num(b.count),
      retryAfterSeconds: num(b.retryAfterSeconds ?? b.retry_after_seconds),
    };
    simulator.addFault(fault);
    return { ok: true };
  });
  app.delete('/_sim/faults', async () => {
    simulator.clearFaults();
    return { ok: true };
  });
  app.post('/_sim/rate-limit', async (req) => {
    const b = body(req);
    const kind = b.kind === 'search' ? 'search' : 'general';
    simulator.setRateLimit(kind, { limit: num(b.limit), windowMs: num(b.windowMs), penaltyMs: num(b.penaltyMs) });
    return { ok: true };
  });

  // --- the API
  const api = async (req: FastifyRequest, reply: import('fastify').FastifyReply) => {
    const query = req.query as Record<string, string | undefined>;
    const header = req.headers['x-api-token'];
    const answer = simulator.handle({
      method: req.method,
      path: req.url.split('?')[0],
      query,
      body: req.body,
      token: (typeof header === 'string' ? header : undefined) ?? query.api_token,
    });
    // As Pipedrive does, so browser clients may read the rate-limit headers.
    const expose = { 'access-control-expose-headers': 'X-RateLimit-Remaining, X-RateLimit-Limit, X-RateLimit-Reset' };
    return reply.status(answer.status).headers({ ...expose, ...answer.headers }).send(answer.body);
  };
  for (const prefix of ['/api/v2', '/api/v1', '/v1']) app.route({ method: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'], url: `${prefix}/*`, handler: api });
  return app;
}

export interface StartPipedriveSimulatorOptions extends PipedriveSimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
}

export interface RunningPipedriveSimulator {
  url: string;
  simulator: PipedriveSimulator;
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function startPipedriveSimulator(options: StartPipedriveSimulatorOptions = {}): Promise<RunningPipedriveSimulator> {
  const { port = 0, host = '127.0.0.1', ...simOptions } = options;
  const simulator = new PipedriveSimulator(simOptions);
  const app = buildPipedriveSimulatorServer(simulator);
  const url = await listenOn(app, port, host);
  return { url, simulator, app, close: () => app.close() };
}
