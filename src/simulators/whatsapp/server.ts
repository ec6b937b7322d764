import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { registerCallAudioRoutes } from './call-audio';
import { SimControlError, SimGraphError } from './payloads';
import { WhatsAppSimulator, type CustomerMessageInput, type FaultInput, type WhatsAppSimulatorOptions } from './simulator';
import { listenOn } from '../run-simulator';

/**
 * HTTP face of the simulator: the Graph endpoints recado calls
 * (`/{version}/{node-id}/{edge}`) and a JSON control API under `/_sim` for tests and demos.
 * Control bodies and queries accept camelCase or snake_case (`phoneNumberId` / `phone_number_id`);
 * control responses are camelCase.
 */

type Body = Record<string, unknown>;

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
const phoneOf = (b: Body) => str(b.phoneNumberId) ?? str(b.phone_number_id);

export function buildWhatsAppSimulatorServer(simulator: WhatsAppSimulator): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 100 * 1024 * 1024, forceCloseConnections: true });
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    if (err instanceof SimControlError) return reply.status(err.httpStatus).send({ error: err.message });
    if (err instanceof SimGraphError) return reply.status(err.httpStatus).send(err.toBody());
    const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
    if (req.url.startsWith('/_sim')) return reply.status(status).send({ error: err.message });
    // Malformed JSON and the like, in Meta's shape.
    return reply.status(status).send(new SimGraphError(status < 500 ? 100 : 1, `(#${status < 500 ? 100 : 1}) ${err.message}`, status).toBody());
  });

  const body = (req: FastifyRequest): Body => (req.body && typeof req.body === 'object' ? (req.body as Body) : {});
  const waIdOf = (req: FastifyRequest) => (req.params as { waId: string }).waId;
  const callIdOf = (req: FastifyRequest) => (req.params as { callId: string }).callId;

  // --- control API
  app.get('/_sim/health', async () => ({ ok: true, now: new Date(simulator.now()).toISOString(), webhookUrl: simulator.webhookUrl }));

  app.post('/_sim/customers/:waId/messages', async (req) => {
    const b = body(req);
    const input: CustomerMessageInput = {
      phoneNumberId: phoneOf(b),
      name: str(b.name),
      text: typeof b.text === 'string' ? b.text : undefined,
      button: b.button as CustomerMessageInput['button'],
      interactive: b.interactive as CustomerMessageInput['interactive'],
      contextMessageId: str(b.contextMessageId) ?? str(b.context_message_id),
    };
    return simulator.customerSendsMessage(waIdOf(req), input);
  });

  app.post('/_sim/customers/:waId/read', async (req) => ({ read: simulator.customerReads(waIdOf(req), phoneOf(body(req))) }));

  app.post('/_sim/customers/:waId/call-permission-reply', async (req) => {
    const b = body(req);
    if (typeof b.accept !== 'boolean') throw new SimControlError('accept (boolean) is required', 400);
    return simulator.customerRepliesToCallPermission(waIdOf(req), {
      accept: b.accept,
      permanent: b.permanent === true,
      phoneNumberId: phoneOf(b),
    });
  });

  app.post('/_sim/customers/:waId/calls', async (req) => {
    const b = body(req);
    const call = simulator.customerCalls(waIdOf(req), { phoneNumberId: phoneOf(b), name: str(b.name) });
    return { callId: call.id, call };
  });

  app.post('/_sim/calls/:callId/accept', async (req) => ({ call: simulator.customerAcceptsCall(callIdOf(req)) }));
  app.post('/_sim/calls/:callId/reject', async (req) => ({ call: simulator.customerRejectsCall(callIdOf(req)) }));
  app.post('/_sim/calls/:callId/terminate', async (req) => ({ call: simulator.customerEndsCall(callIdOf(req)) }));
  app.get('/_sim/calls', async () => ({ data: simulator.calls() }));
  registerCallAudioRoutes(app, (callId) => simulator.calls().find((c) => c.id === callId)?.waId);

  app.get('/_sim/messages', async (req) => {
    const q = req.query as Record<string, string | undefined>;
    return { data: simulator.messages({ to: q.to, phoneNumberId: q.phone_number_id ?? q.phoneNumberId }) };
  });

  app.post('/_sim/faults', async (req) => {
    const b = body(req);
    const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
    const fault: FaultInput = {
      code: num(b.code),
      count: num(b.count),
      delayMs: num(b.delayMs) ?? num(b.delay_ms),
      answerLateMs: num(b.answerLateMs) ?? num(b.answer_late_ms),
      async: b.async === true,
      scope: (str(b.scope) as FaultInput['scope']) ?? undefined,
    };
    simulator.addFault(fault);
    return { ok: true };
  });

  app.post('/_sim/clock', async (req) => {
    const b = body(req);
    const now = simulator.advanceClock(Number(b.advanceMs ?? b.advance_ms ?? 0));
    return { now: new Date(now).toISOString() };
  });

  app.post('/_sim/pair-rate', async (req) => {
    const enabled = body(req).enabled;
    if (typeof enabled !== 'boolean') throw new SimControlError('enabled (boolean) is required', 400);
    simulator.setPairRateLimit(enabled);
    return { enabled };
  });

  app.post('/_sim/templates', async (req) => ({ template: simulator.addTemplate(body(req) as never) }));

  app.post('/_sim/numbers/:phoneNumberId', async (req) => {
    const b = body(req);
    const id = (req.params as { phoneNumberId: string }).phoneNumberId;
    const display = str(b.display_phone_number) ?? str(b.displayPhoneNumber);
    const tier = str(b.messaging_limit_tier) ?? str(b.messagingLimitTier);
    if (!display && !tier) throw new SimControlError('display_phone_number or messaging_limit_tier is required', 400);
    if (display) simulator.setDisplayPhoneNumber(id, display);
    if (tier) simulator.setMessagingLimitTier(id, tier);
    return { ok: true };
  });

  app.post('/_sim/webhook-url', async (req) => {
    const b = body(req);
    simulator.setWebhookUrl(str(b.url) ?? null);
    return { webhookUrl: simulator.webhookUrl };
  });

  app.post('/_sim/reset', async () => {
    simulator.reset();
    return { ok: true };
  });

  app.get('/_sim/webhooks', async () => ({ data: simulator.webhooks() }));

  // --- Graph API
  const graph = async (req: FastifyRequest, reply: FastifyReply) => {
    const { version, nodeId, edge = '' } = req.params as { version: string; nodeId: string; edge?: string };
    if (!/^v\d+\.\d+$/.test(version)) {
      return reply.status(400).send(new SimGraphError(2500, `Unknown path components: /${[version, nodeId, edge].filter(Boolean).join('/')}`, 400).toBody());
    }
    const result = await simulator.handleGraph({
      method: req.method,
      nodeId,
      edge,
      query: req.query as Record<string, string | undefined>,
      body: req.body,
      authorization: req.headers.authorization,
      contentType: req.headers['content-type'],
    });
    return reply.status(result.status).send(result.body);
  };
  app.get('/:version/:nodeId', graph);
  app.get('/:version/:nodeId/:edge', graph);
  app.post('/:version/:nodeId/:edge', graph);

  return app;
}

export interface StartWhatsAppSimulatorOptions extends WhatsAppSimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
}

export interface RunningWhatsAppSimulator {
  url: string;
  simulator: WhatsAppSimulator;
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function startWhatsAppSimulator(options: StartWhatsAppSimulatorOptions = {}): Promise<RunningWhatsAppSimulator> {
  const { port = 0, host = '127.0.0.1', ...simOptions } = options;
  const simulator = new WhatsAppSimulator(simOptions);
  const app = buildWhatsAppSimulatorServer(simulator);
  const url = await listenOn(app, port, host);
  return {
    url,
    simulator,
    app,
    async close() {
      simulator.close();
      await app.close();
    },
  };
}
