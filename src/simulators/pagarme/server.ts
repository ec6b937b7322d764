import Fastify, { type FastifyInstance } from 'fastify';
import { hostedPage } from '../hosted-page';
import { PagarmeSimulator } from './simulator';

/**
 * HTTP face of the Pagar.me simulator:
 *   POST /core/v5/orders    create an order (checkout payment → checkouts[0].payment_url)
 *   GET  /core/v5/orders/:id
 *   GET  /pay/:checkoutId   the hosted checkout page, pre-filled
 */
export function buildPagarmeSimulatorServer(simulator: PagarmeSimulator): FastifyInstance {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    const status = err.statusCode && err.statusCode < 500 ? 400 : 500;
    return reply.status(status).send({ message: status === 400 ? 'The request is invalid.' : 'An error has occurred.', errors: { request: [err.message] } });
  });
  app.post('/core/v5/orders', async (req, reply) => {
    const idempotencyKey = req.headers['idempotency-key'];
    const r = simulator.createOrder(req.headers.authorization, typeof idempotencyKey === 'string' ? idempotencyKey : undefined, req.body);
    return reply.status(r.status).send(r.body);
  });
  app.get('/core/v5/orders/:id', async (req, reply) => {
    const order = simulator.orders.get((req.params as { id: string }).id);
    return order ? order : reply.status(404).send({ message: 'Order not found.' });
  });
  app.get('/pay/:id', async (req, reply) => {
    const found = simulator.findCheckout((req.params as { id: string }).id);
    if (!found) return reply.status(404).type('text/plain').send('checkout not found');
    const customer = found.checkout.customer as { name?: string; email?: string };
    const amount = `R$ ${(found.order.amount / 100).toFixed(2).replace('.', ',')}`;
    return reply.type('text/html; charset=utf-8').send(hostedPage('Checkout Pagar.me', { name: customer.name ?? '', email: customer.email ?? '', amount }));
  });
  return app;
}

export interface RunningPagarmeSimulator { url: string; simulator: PagarmeSimulator; close(): Promise<void> }

export async function startPagarmeSimulator(options: { secretKey?: string; port?: number; host?: string } = {}): Promise<RunningPagarmeSimulator> {
  const { port = 0, host = '127.0.0.1' } = options;
  const simulator = new PagarmeSimulator(options.secretKey);
  const app = buildPagarmeSimulatorServer(simulator);
  await app.listen({ port, host });
  const address = app.server.address();
  const url = `http://${host}:${typeof address === 'object' && address ? address.port : port}`;
  simulator.baseUrl = url;
  return { url, simulator, close: () => app.close() };
}
