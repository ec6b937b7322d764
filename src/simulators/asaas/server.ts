import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { acceptHtmlForms, hostedPage, paidPage, reais } from '../hosted-page';
import type { WebhookRetryPolicy } from '../webhook-sender';
import { AsaasSimulator } from './simulator';

/**
 * HTTP face of the Asaas simulator (under /v3 as on api.asaas.com; the sandbox puts /api before it):
 *   POST/GET /v3/customers    POST/GET /v3/payments    POST/GET /v3/webhooks, DELETE /v3/webhooks/:id
 *   GET  /i/:number           the invoice page a payment's invoiceUrl opens, pre-filled, with "Pagar"
 *   POST /i/:number           its form: pays (once) and says "Pagamento aprovado"
 * Control API (no key): GET /_sim/health, POST /_sim/pay/:paymentId (the webhook bodies sent),
 *   GET /_sim/deliveries (every webhook sent, with its attempts and the last answer).
 */
export function buildAsaasSimulatorServer(simulator: AsaasSimulator): FastifyInstance {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  acceptHtmlForms(app);
  app.setErrorHandler((err: Error, _req, reply) => reply.status(400).send({ errors: [{ code: 'invalid_request', description: err.message }] }));
  app.addHook('onClose', async () => simulator.close());
  const route = async (req: FastifyRequest, reply: FastifyReply) => {
    const token = req.headers.access_token;
    const r = simulator.handle(req.method, req.url.split('?')[0], req.query as Record<string, string>, typeof token === 'string' ? token : undefined, req.body);
    return reply.status(r.status).send(r.body);
  };
  app.post('/v3/customers', route);
  app.get('/v3/customers', route);
  app.post('/v3/payments', route);
  app.get('/v3/payments', route);
  app.post('/v3/webhooks', route);
  app.get('/v3/webhooks', route);
  app.delete('/v3/webhooks/:id', route);

  const invoice = (req: FastifyRequest) => {
    const payment = simulator.payments.get(`pay_${(req.params as { number: string }).number}`);
    const customer = payment && simulator.customers.get(payment.customer as string);
    return payment && customer ? { payment, customer, amount: reais(payment.value as number) } : undefined;
  };
  app.get('/i/:number', async (req, reply) => {
    const found = invoice(req);
    if (!found) return reply.status(404).type('text/plain').send('fatura não encontrada');
    const { payment, customer, amount } = found;
    const page = hostedPage('Fatura Asaas', { name: customer.name, email: customer.email ?? '', amount }, { paid: simulator.isPaid(payment.id) });
    return reply.type('text/html; charset=utf-8').send(page);
  });
  app.post('/i/:number', async (req, reply) => {
    const found = invoice(req);
    if (!found) return reply.status(404).type('text/plain').send('fatura não encontrada');
    simulator.receivePayment(found.payment.id);
    return reply.type('text/html; charset=utf-8').send(paidPage('Fatura Asaas', found.amount));
  });

  app.get('/_sim/health', async () => ({ ok: true }));
  app.get('/_sim/deliveries', async () => ({ data: simulator.webhooks.deliveries() }));
  app.post('/_sim/pay/:id', async (req, reply) => {
    const id = (req.params as { id: string }).id;
    if (!simulator.payments.has(id)) return reply.status(404).send({ error: `no payment ${id}` });
    const { alreadyPaid, events } = simulator.receivePayment(id);
    return { paymentId: id, alreadyPaid, webhooks: alreadyPaid ? [] : events };
  });
  return app;
}

export interface RunningAsaasSimulator { url: string; simulator: AsaasSimulator; close(): Promise<void> }

export async function startAsaasSimulator(
  options: { apiKey?: string; port?: number; host?: string; webhookRetry?: Partial<WebhookRetryPolicy> } = {},
): Promise<RunningAsaasSimulator> {
  const { port = 0, host = '127.0.0.1' } = options;
  const simulator = new AsaasSimulator(options.apiKey, { webhookRetry: options.webhookRetry });
  const app = buildAsaasSimulatorServer(simulator);
  await app.listen({ port, host });
  const address = app.server.address();
  const url = `http://${host}:${typeof address === 'object' && address ? address.port : port}`;
  simulator.baseUrl = url;
  return { url, simulator, close: () => app.close() };
}
