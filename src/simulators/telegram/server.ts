import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { SimControlError, type Params } from './bot-api';
import { TelegramSimulator, type SimFault, type TelegramSimulatorOptions } from './simulator';
import { listenOn } from '../run-simulator';

/**
 * HTTP face of the Telegram simulator: the Bot API (`GET|POST /bot<token>/<method>`, parameters
 * from the query string, an urlencoded form or a JSON body) and a JSON control API under `/_sim`
 * for tests and demos (bots, customers' messages and button presses, faults, what bots sent).
 */

type Body = Record<string, unknown>;

const num = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : undefined);
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

export function buildTelegramSimulatorServer(simulator: TelegramSimulator): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 50 * 1024 * 1024, forceCloseConnections: true });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (_req, _body, done) => done(null, { __multipart: true }));

  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    if (err instanceof SimControlError) return reply.status(err.httpStatus).send({ error: err.message });
    const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
    if (req.url.startsWith('/_sim')) return reply.status(status).send({ error: err.message });
    // Malformed bodies and the like, in the Bot API's envelope.
    return reply.status(status).send({ ok: false, error_code: status, description: status < 500 ? `Bad Request: ${err.message}` : 'Internal Server Error' });
  });

  const body = (req: FastifyRequest): Body => (req.body && typeof req.body === 'object' ? (req.body as Body) : {});
  const botId = (req: FastifyRequest) => simulator.bot((req.params as { bot: string }).bot).id;
  const chatOf = (b: Body) => {
    const chatId = num(b.chatId ?? b.chat_id);
    if (chatId === undefined) throw new SimControlError('chatId is required');
    return chatId;
  };
  const customer = (b: Body) => ({
    chatId: chatOf(b),
    firstName: str(b.firstName ?? b.first_name),
    lastName: str(b.lastName ?? b.last_name),
    username: str(b.username),
  });

  // --- control API
  app.get('/_sim/health', async () => ({ ok: true }));
  app.post('/_sim/bots', async (req) => {
    const b = body(req);
    return simulator.addBot({ id: num(b.id), token: str(b.token), username: str(b.username), firstName: str(b.firstName ?? b.first_name) });
  });
  app.post('/_sim/bots/:bot/messages', async (req) => {
    const b = body(req);
    if (b.photo === true) return simulator.customerSendsPhoto(botId(req), { ...customer(b), caption: str(b.caption) });
    if (str(b.fileName ?? b.file_name)) {
      return simulator.customerSendsDocument(botId(req), { ...customer(b), fileName: String(b.fileName ?? b.file_name), mimeType: str(b.mimeType ?? b.mime_type), caption: str(b.caption) });
    }
    return simulator.customerSendsText(botId(req), { ...customer(b), text: String(b.text ?? ''), replyToMessageId: num(b.replyToMessageId ?? b.reply_to_message_id) });
  });
  app.post('/_sim/bots/:bot/edits', async (req) => {
    const b = body(req);
    return simulator.customerEditsMessage(botId(req), { chatId: chatOf(b), messageId: num(b.messageId ?? b.message_id) ?? 0, text: String(b.text ?? '') });
  });
  app.post('/_sim/bots/:bot/button-presses', async (req) => {
    const b = body(req);
    return simulator.customerPressesButton(botId(req), { chatId: chatOf(b), messageId: num(b.messageId ?? b.message_id), data: str(b.data), text: str(b.text) });
  });
  app.post('/_sim/bots/:bot/updates', async (req) => simulator.pushRawUpdate(botId(req), body(req)));
  app.post('/_sim/bots/:bot/blocks', async (req) => {
    const b = body(req);
    simulator.blockBot(botId(req), chatOf(b), b.blocked !== false);
    return { ok: true };
  });
  app.get('/_sim/bots/:bot/sent', async (req) => {
    const q = req.query as Record<string, string | undefined>;
    return { data: simulator.sent({ botId: botId(req), chatId: num(q.chatId ?? q.chat_id), method: q.method }) };
  });
  app.get('/_sim/bots/:bot/webhook-attempts', async (req) => ({ data: simulator.webhookAttempts(botId(req)) }));
  app.post('/_sim/faults', async (req) => {
    const b = body(req);
    const fault: SimFault = {
      botId: num(b.botId ?? b.bot_id),
      method: str(b.method),
      code: num(b.code),
      retryAfter: num(b.retryAfter ?? b.retry_after),
      description: str(b.description),
      answerLateMs: num(b.answerLateMs ?? b.answer_late_ms),
      count: num(b.count),
      skip: num(b.skip),
    };
    simulator.addFault(fault);
    return { ok: true };
  });
  app.delete('/_sim/faults', async () => {
    simulator.clearFaults();
    return { ok: true };
  });

  // --- Bot API
  const botApi = async (req: FastifyRequest, reply: import('fastify').FastifyReply) => {
    const { token, method } = req.params as { token: string; method: string };
    if (!token.startsWith('bot')) return reply.status(404).send({ ok: false, error_code: 404, description: 'Not Found' });
    const b = body(req);
    if (b.__multipart) {
      return reply.status(400).send({ ok: false, error_code: 400, description: 'Bad Request: the simulator takes files by URL or file_id, not multipart uploads' });
    }
    const params: Params = { ...(req.query as Params), ...b };
    const result = await simulator.handle({ token: token.replace(/^bot/, ''), method, params });
    return reply.status(result.status).send(result.body);
  };
  app.route({ method: ['GET', 'POST'], url: '/:token/:method', handler: botApi });
  return app;
}

export interface StartTelegramSimulatorOptions extends TelegramSimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
}

export interface RunningTelegramSimulator {
  url: string;
  simulator: TelegramSimulator;
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function startTelegramSimulator(options: StartTelegramSimulatorOptions = {}): Promise<RunningTelegramSimulator> {
  const { port = 0, host = '127.0.0.1', ...simOptions } = options;
  const simulator = new TelegramSimulator(simOptions);
  const app = buildTelegramSimulatorServer(simulator);
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
