import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { acceptHtmlForms, hostedPage, paidPage, reais } from '../hosted-page';
import type { WebhookRetryPolicy } from '../webhook-sender';
import { PagarmeSimulator } from './simulator';
import { SimControlError } from './webhooks';

/**
 * HTTP face of the Pagar.me simulator:
 *   POST /core/v5/orders    create an order (checkout payment → checkouts[0].payment_url)
 *   GET  /core/v5/orders/:id
 *   GET  /pay/:checkoutId   the hosted checkout page, pre-filled, with "Pagar"
 *   POST /pay/:checkoutId   its form: pays (once) and says "Pagamento aprovado"
 * Control API (no key; stands in for the dashboard): GET /_sim/health,
 *   POST/GET /_sim/webhooks, DELETE /_sim/webhooks/:id (where hooks go, see webhooks.ts),
 *   POST /_sim/pay/:orderId (the hook bodies sent), GET /_sim/deliveries (every hook sent and its answer).
 */
export function buildPagarmeSimulatorServer(simulator: PagarmeSimulator): FastifyInstance {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  acceptHtmlForms(app);
  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    if (err instanceof SimControlError || req.url.startsWith('/_sim')) return reply.status(400).send({ error: err.message });
    const status = err.statusCode && err.statusCode < 500 ? 400 : 500;
    return reply.status(status).send({ message: status === 400 ? 'The request is invalid.' : 'An error has occurred.', errors: { request: [err.message] } });
  });
  app.addHook('onClose', async () => simulator.close());
  app.post('/core/v5/orders', async (req, reply) => {
    const idempotencyKey = req.headers['idempotency-key'];
    const r = simulator.createOrder(req.headers.authorization, typeof idempotencyKey === 'string' ? idempotencyKey : undefined, req.body);
    return reply.status(r.status).send(r.body);
  });
  app.get('/core/v5/orders/:id', async (req, reply) => {
    const order = simulator.orders.get((req.params as { id: string }).id);
    return order ? order : reply.status(404).send({ message: 'Order not found.' });
  });

  const checkout = (req: FastifyRequest) => {
    const found = simulator.findCheckout((req.params as { id: string }).id);
    if (!found) return undefined;
    const customer = found.checkout.customer as { name?: string; email?: string };
    return { order: found.order, fields: { name: customer.name ?? '', email: customer.email ?? '', amount: reais(found.order.amount / 100) } };
  };
  app.get('/pay/:id', async (req, reply) => {
    const found = checkout(req);
    if (!found) return reply.status(404).type('text/plain').send('checkout not found');
    return reply.type('text/html; charset=utf-8').send(hostedPage('Checkout Pagar.me', found.fields, { paid: simulator.isPaid(found.order.id) }));
  });
  app.post('/pay/:id', async (req, reply) => {
    const found = checkout(req);
    if (!found) return reply.status(404).type('text/plain').send('checkout not found');
    simulator.receivePayment(found.order.id);
    return reply.type('text/html; charset=utf-8').send(paidPage('Checkout Pagar.me', found.fields.amount));
  });

  app.get('/_sim/health', async () => ({ ok: true }));
  app.post('/_sim/webhooks', async (req) => simulator.webhooks.configure(req.body));
  app.get('/_sim/webhooks', async () => simulator.webhooks.list());
  app.delete('/_sim/webhooks/:id', async (req, reply) => {
    const id = (req.params as { id: string }).id;
    return simulator.webhooks.remove(id) ? { deleted: true, id } : reply.status(404).send({ error: `no webhook ${id}` });
  });
  app.get('/_sim/deliveries', async () => ({ data: simulator.webhooks.deliveries() }));
  app.post('/_sim/pay/:id', async (req, reply) => {
    const id = (req.params as { id: string }).id;
    if (!simulator.orders.has(id)) return reply.status(404).send({ error: `no order ${id}` });
    const { alreadyPaid, hooks } = simulator.receivePayment(id);
    return { order_id: id, already_paid: alreadyPaid, webhooks: alreadyPaid ? [] : hooks };
  });
  return app;
}

export interface RunningPagarmeSimulator { url: string; simulator: PagarmeSimulator; close(): Promise<void> }

export async function startPagarmeSimulator(
  options: { secretKey?: string; port?: number; host?: string; webhookRetry?: Partial<WebhookRetryPolicy> } = {},
): Promise<RunningPagarmeSimulator> {
  const { port = 0, host = '127.0.0.1' } = options;
  const simulator = new PagarmeSimulator(options.secretKey, { webhookRetry: options.webhookRetry });
  const app = buildPagarmeSimulatorServer(simulator);
  await app.listen({ port, host });
  const address = app.server.address();
  const url = `http://${host}:${typeof address === 'object' && address ? address.port : port}`;
  simulator.baseUrl = url;
  return { url, simulator, close: () => app.close() };
}
