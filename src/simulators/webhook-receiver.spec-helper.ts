import Fastify, { type FastifyInstance } from 'fastify';
import { verifyWebhookSignature } from '../whatsapp/signature';
import { parseWebhookPayload, type WhatsAppWebhookEvent } from '../whatsapp/webhook-events';

/** A local stand-in for a business's webhook endpoint: checks every signature, can fail on purpose, keeps what it got. */
export interface WebhookReceiver {
  url: string;
  app: FastifyInstance;
  received: Array<{ raw: string; signatureOk: boolean; events: WhatsAppWebhookEvent[]; warnings: string[] }>;
  /** The next this-many deliveries get a 500. */
  failNext: number;
  events(): WhatsAppWebhookEvent[];
}

export async function startWebhookReceiver(appSecret: string): Promise<WebhookReceiver> {
  const app = Fastify();
  const receiver: WebhookReceiver = {
    url: '',
    app,
    received: [],
    failNext: 0,
    events: () => receiver.received.flatMap((r) => r.events),
  };
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.post('/webhooks', async (req, reply) => {
    if (receiver.failNext > 0) {
      receiver.failNext--;
      return reply.status(500).send('down for maintenance');
    }
    const raw = req.body as string;
    const signature = req.headers['x-hub-signature-256'];
    const parsed = parseWebhookPayload(JSON.parse(raw));
    receiver.received.push({
      raw,
      signatureOk: verifyWebhookSignature(raw, typeof signature === 'string' ? signature : undefined, appSecret),
      events: parsed.events,
      // What Meta's schema would not say of the simulator's webhook (and any part nothing could be made of).
      warnings: [...parsed.warnings, ...parsed.rejected.map((r) => `${r.at}: ${r.reason}`)],
    });
    return 'EVENT_RECEIVED';
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  receiver.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/webhooks`;
  return receiver;
}

/** Polls `check` until it gives a value (not undefined or false). */
export async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A local stand-in for any provider's webhook endpoint: keeps each raw body with its headers, can answer failures on purpose. */
export interface RecordingReceiver {
  url: string;
  app: FastifyInstance;
  received: Array<{ raw: string; headers: Record<string, string | undefined> }>;
  /** Statuses to answer the next deliveries with, one each (then 200). */
  failWith: number[];
  close(): Promise<void>;
}

export async function startRecordingReceiver(): Promise<RecordingReceiver> {
  const app = Fastify();
  const receiver: RecordingReceiver = { url: '', app, received: [], failWith: [], close: () => app.close() };
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.post('/hooks', async (req, reply) => {
    const failure = receiver.failWith.shift();
    if (failure !== undefined) return reply.status(failure).send('not now');
    receiver.received.push({ raw: req.body as string, headers: req.headers as Record<string, string | undefined> });
    return reply.status(200).send('ok');
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  receiver.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hooks`;
  return receiver;
}
