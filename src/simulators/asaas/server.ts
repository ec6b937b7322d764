import Fastify, { type FastifyInstance } from 'fastify';
import { hostedPage } from '../hosted-page';
import { AsaasSimulator } from './simulator';

/**
 * HTTP face of the Asaas simulator (under /v3 as on api.asaas.com; the sandbox puts /api before it):
 *   POST/GET /v3/customers    POST/GET /v3/payments
 *   GET /i/:number            the invoice page a payment's invoiceUrl opens, pre-filled
 */
export function buildAsaasSimulatorServer(simulator: AsaasSimulator): FastifyInstance {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  app.setErrorHandler((err: Error, _req, reply) => reply.status(400).send({ errors: [{ code: 'invalid_request', description: err.message }] }));
  const route = async (req: { method: string; url: string; query: unknown; headers: Record<string, unknown>; body: unknown }, reply: { status(n: number): { send(b: unknown): unknown } }) => {
    const token = req.headers.access_token;
    const r = simulator.handle(req.method, req.url.split('?')[0], req.query as Record<string, string>, typeof token === 'string' ? token : undefined, req.body);
    return reply.status(r.status).send(r.body);
  };
  app.post('/v3/customers', route);
  app.get('/v3/customers', route);
  app.post('/v3/payments', route);
  app.get('/v3/payments', route);
  app.get('/i/:number', async (req, reply) => {
    const payment = simulator.payments.get(`pay_${(req.params as { number: string }).number}`);
    const customer = payment && simulator.customers.get(payment.customer as string);
    if (!payment || !customer) return reply.status(404).type('text/plain').send('fatura não encontrada');
    const amount = `R$ ${(payment.value as number).toFixed(2).replace('.', ',')}`;
    return reply.type('text/html; charset=utf-8').send(hostedPage('Fatura Asaas', { name: customer.name, email: customer.email ?? '', amount }));
  });
  return app;
}

export interface RunningAsaasSimulator { url: string; simulator: AsaasSimulator; close(): Promise<void> }

export async function startAsaasSimulator(options: { apiKey?: string; port?: number; host?: string } = {}): Promise<RunningAsaasSimulator> {
  const { port = 0, host = '127.0.0.1' } = options;
  const simulator = new AsaasSimulator(options.apiKey);
  const app = buildAsaasSimulatorServer(simulator);
  await app.listen({ port, host });
  const address = app.server.address();
  const url = `http://${host}:${typeof address === 'object' && address ? address.port : port}`;
  simulator.baseUrl = url;
  return { url, simulator, close: () => app.close() };
}
