import { AsaasPaymentLinks } from '../src/payments/asaas.payment-links';
import { PagarmePaymentLinks } from '../src/payments/pagarme.payment-links';
import type { PaymentLinkRequest } from '../src/payments/payment-links';
import { startAsaasSimulator, type RunningAsaasSimulator } from '../src/simulators/asaas/server';
import { startPagarmeSimulator, type RunningPagarmeSimulator } from '../src/simulators/pagarme/server';
import type { WebhookDelivery } from '../src/simulators/webhook-sender';
import { startRecordingReceiver, type RecordingReceiver } from '../src/simulators/webhook-receiver.spec-helper';
import { PLATFORM_ADAPTERS } from '../src/stores/adapters';

/**
 * The gateway simulators end to end, over HTTP: a webhook configured the way each gateway
 * documents it, the customer paying from the hosted page's form (no JavaScript), the webhooks
 * arriving in order with the gateway's credentials (after a failed first attempt), and recado's
 * own adapters verifying and reading them as the payment of the right order.
 */

const config = { dueDays: 3, timeoutMs: 5000 };
const quickRetry = { initialDelayMs: 20, maxDelayMs: 100, maxAttempts: 5 };
const request = (intentId: string): PaymentLinkRequest => ({
  intentId,
  customer: { name: 'Maria Silva', email: 'maria@example.com', phone: '+5521987654321' },
  product: { name: 'Plano anual' },
  amount: { amountMinor: '15090', currency: 'BRL' },
});

async function getJson<T>(url: string): Promise<T> {
  return (await fetch(url)).json() as Promise<T>;
}

/** Polls the simulator's delivery log until every webhook it queued is delivered or given up. */
async function settledDeliveries(simUrl: string, expected: number): Promise<WebhookDelivery[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { data } = await getJson<{ data: WebhookDelivery[] }>(`${simUrl}/_sim/deliveries`);
    if (data.length >= expected && data.every((d) => d.status !== 'pending')) return data;
    if (Date.now() > deadline) throw new Error(`webhooks still pending: ${JSON.stringify(data.map((d) => [d.kind, d.status, d.attempts]))}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The hosted page offers a "Pagar" button in a form that posts back to the page's own URL. */
async function expectPayButton(pageUrl: string): Promise<void> {
  const page = await (await fetch(pageUrl)).text();
  expect(page).toMatch(/<form method="post"><button type="submit" id="pay">Pagar<\/button><\/form>/);
}

/** The customer presses "Pagar": what the browser posts (the form has no fields to send). */
async function pressPay(pageUrl: string): Promise<string> {
  const answer = await fetch(pageUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
  expect(answer.status).toBe(200);
  return answer.text();
}

describe('Asaas simulator: webhooks from paying on the invoice page', () => {
  const TOKEN = 'recado-asaas-webhook-token-0123456789';
  let sim: RunningAsaasSimulator;
  let receiver: RecordingReceiver;
  let links: AsaasPaymentLinks;

  beforeAll(async () => {
    sim = await startAsaasSimulator({ apiKey: '$aact_test', webhookRetry: quickRetry });
    receiver = await startRecordingReceiver();
    links = new AsaasPaymentLinks('$aact_test', { ...config, asaasApiUrl: sim.url });
    const created = await fetch(`${sim.url}/v3/webhooks`, {
      method: 'POST',
      headers: { access_token: '$aact_test', 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'recado', url: receiver.url, email: 'ops@example.com', enabled: true, interrupted: false, apiVersion: 3,
        authToken: TOKEN, sendType: 'SEQUENTIALLY', events: ['PAYMENT_CREATED', 'PAYMENT_CONFIRMED', 'PAYMENT_RECEIVED'],
      }),
    });
    expect(created.status).toBe(200);
    expect(await created.json()).toMatchObject({ hasAuthToken: true, sendType: 'SEQUENTIALLY' });
  });
  afterAll(async () => {
    await sim.close();
    await receiver.close();
  });

  it('posts PAYMENT_CONFIRMED then PAYMENT_RECEIVED with asaas-access-token, once, retrying a failure; recado reads order_paid', async () => {
    const link = await links.createLink(request('ci_asaas_page'));
    await expectPayButton(link.url);
    receiver.failWith.push(500);
    expect(await pressPay(link.url)).toContain('Pagamento aprovado');
    // A second press (a reload that re-posts) pays nothing again.
    expect(await pressPay(link.url)).toContain('Pagamento aprovado');

    const deliveries = await settledDeliveries(sim.url, 2);
    expect(deliveries.map((d) => [d.kind, d.status, d.attempts, d.lastStatusCode])).toEqual([
      ['PAYMENT_CONFIRMED', 'delivered', 2, 200],
      ['PAYMENT_RECEIVED', 'delivered', 1, 200],
    ]);
    expect(receiver.received.map((r) => JSON.parse(r.raw).event)).toEqual(['PAYMENT_CONFIRMED', 'PAYMENT_RECEIVED']);
    const ids = new Set<string>();
    for (const { raw, headers } of receiver.received) {
      expect(headers['asaas-access-token']).toBe(TOKEN);
      expect(PLATFORM_ADAPTERS.asaas.verify(Buffer.from(raw), headers, { access_token: TOKEN })).toBe(true);
      const { events } = PLATFORM_ADAPTERS.asaas.parse(raw, headers);
      expect(events).toMatchObject([{ type: 'order_paid', orderId: link.gatewayReference, amount: { amountMinor: '15090', currency: 'BRL' } }]);
      ids.add(events[0].platformEventId as string);
    }
    expect(ids.size).toBe(2);
    expect(await (await fetch(link.url)).text()).toContain('Pagamento aprovado');
  });

  it('the control API pays a payment and answers the bodies it sent; a second call sends none', async () => {
    const link = await links.createLink({ ...request('ci_asaas_control'), customer: { ...request('').customer, email: 'joao@example.com' } });
    const before = receiver.received.length;
    const paid = (await (await fetch(`${sim.url}/_sim/pay/${link.gatewayReference}`, { method: 'POST' })).json()) as { webhooks: Array<{ id: string }> };
    expect(paid).toMatchObject({ paymentId: link.gatewayReference, alreadyPaid: false, webhooks: [{ event: 'PAYMENT_CONFIRMED' }, { event: 'PAYMENT_RECEIVED' }] });
    expect(await (await fetch(`${sim.url}/_sim/pay/${link.gatewayReference}`, { method: 'POST' })).json()).toMatchObject({ alreadyPaid: true, webhooks: [] });
    await settledDeliveries(sim.url, 4);
    expect(receiver.received.slice(before).map((r) => JSON.parse(r.raw).id)).toEqual(paid.webhooks.map((w) => w.id));
    expect((await fetch(`${sim.url}/_sim/pay/pay_000000000000`, { method: 'POST' })).status).toBe(404);
  });
});

describe('Pagar.me simulator: webhooks from paying on the checkout page', () => {
  let sim: RunningPagarmeSimulator;
  let receiver: RecordingReceiver;
  let links: PagarmePaymentLinks;
  const basic = `Basic ${Buffer.from('recado:hook-password').toString('base64')}`;

  beforeAll(async () => {
    sim = await startPagarmeSimulator({ secretKey: 'sk_test_abc', webhookRetry: quickRetry });
    receiver = await startRecordingReceiver();
    links = new PagarmePaymentLinks('sk_test_abc', { ...config, pagarmeApiUrl: sim.url });
    const configured = await fetch(`${sim.url}/_sim/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: receiver.url, basic_auth_user: 'recado', basic_auth_password: 'hook-password' }),
    });
    expect(configured.status).toBe(200);
    expect(await getJson(`${sim.url}/_sim/webhooks`)).toMatchObject({ data: [{ url: receiver.url, basic_auth_user: 'recado', has_basic_auth_password: true }] });
  });
  afterAll(async () => {
    await sim.close();
    await receiver.close();
  });

  it('posts order.paid then charge.paid with the basic credentials, once, retrying a failure; recado reads order_paid', async () => {
    const link = await links.createLink(request('ci_pagarme_page'));
    await expectPayButton(link.url);
    receiver.failWith.push(503);
    expect(await pressPay(link.url)).toContain('Pagamento aprovado');
    expect(await pressPay(link.url)).toContain('Pagamento aprovado');

    const deliveries = await settledDeliveries(sim.url, 2);
    expect(deliveries.map((d) => [d.kind, d.status, d.attempts, d.lastStatusCode])).toEqual([
      ['order.paid', 'delivered', 2, 200],
      ['charge.paid', 'delivered', 1, 200],
    ]);
    expect(receiver.received.map((r) => JSON.parse(r.raw).type)).toEqual(['order.paid', 'charge.paid']);
    const secrets = { basic_auth_user: 'recado', basic_auth_password: 'hook-password' };
    for (const { raw, headers } of receiver.received) {
      expect(headers.authorization).toBe(basic);
      expect(JSON.parse(raw).id).toMatch(/^hook_\w{16}$/);
      expect(PLATFORM_ADAPTERS.pagarme.verify(Buffer.from(raw), headers, secrets)).toBe(true);
      expect(PLATFORM_ADAPTERS.pagarme.verify(Buffer.from(raw), headers, { ...secrets, basic_auth_password: 'wrong' })).toBe(false);
      expect(PLATFORM_ADAPTERS.pagarme.parse(raw, headers).events).toMatchObject([
        { type: 'order_paid', orderId: link.gatewayReference, amount: { amountMinor: '15090', currency: 'BRL' } },
      ]);
    }
    expect(link.gatewayReference).toMatch(/^or_/);
    expect(await (await fetch(link.url)).text()).toContain('Pagamento aprovado');
  });

  it('the control API pays an order and answers the hooks it sent; a second call sends none', async () => {
    const link = await links.createLink(request('ci_pagarme_control'));
    const paid = (await (await fetch(`${sim.url}/_sim/pay/${link.gatewayReference}`, { method: 'POST' })).json()) as { webhooks: Array<{ id: string }> };
    expect(paid).toMatchObject({ order_id: link.gatewayReference, already_paid: false, webhooks: [{ type: 'order.paid' }, { type: 'charge.paid' }] });
    expect(await (await fetch(`${sim.url}/_sim/pay/${link.gatewayReference}`, { method: 'POST' })).json()).toMatchObject({ already_paid: true, webhooks: [] });
    await settledDeliveries(sim.url, 4);
    expect(receiver.received.slice(-2).map((r) => JSON.parse(r.raw).id)).toEqual(paid.webhooks.map((w) => w.id));
  });

  it('refuses a webhook configuration without a usable URL, naming it', async () => {
    const answer = await fetch(`${sim.url}/_sim/webhooks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: 'nope' }) });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toEqual({ error: 'url must be an http(s) URL' });
  });
});
