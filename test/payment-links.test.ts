import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AsaasPaymentLinks } from '../src/payments/asaas.payment-links';
import { PagarmePaymentLinks } from '../src/payments/pagarme.payment-links';
import { PaymentLinkError, type PaymentLinkRequest } from '../src/payments/payment-links';
import { startAsaasSimulator, type RunningAsaasSimulator } from '../src/simulators/asaas/server';
import { startPagarmeSimulator, type RunningPagarmeSimulator } from '../src/simulators/pagarme/server';

const fixture = (path: string) => JSON.parse(readFileSync(join(__dirname, 'fixtures', path), 'utf8'));
const keys = (o: object) => Object.keys(o).sort();
const config = { dueDays: 3, timeoutMs: 5000 };
const request = (intentId: string): PaymentLinkRequest => ({
  intentId,
  customer: { name: 'Maria <Silva>', email: 'maria@example.com', phone: '+5521987654321' },
  product: { name: 'Plano anual' },
  amount: { amountMinor: '15090', currency: 'BRL' },
});
const failure = async (p: Promise<unknown>): Promise<PaymentLinkError> => p.then(() => { throw new Error('expected a failure'); }, (err: PaymentLinkError) => err);

describe('Pagar.me payment links against the simulator', () => {
  let sim: RunningPagarmeSimulator;
  let links: PagarmePaymentLinks;
  beforeAll(async () => {
    sim = await startPagarmeSimulator({ secretKey: 'sk_test_abc' });
    links = new PagarmePaymentLinks('sk_test_abc', { ...config, pagarmeApiUrl: sim.url });
  });
  afterAll(() => sim.close());

  it('creates a checkout whose hosted page shows the customer, the same one on retry', async () => {
    const link = await links.createLink(request('ci_pagarme_1'));
    expect(link.url).toMatch(new RegExp(`^${sim.url}/pay/chk_`));
    const page = await (await fetch(link.url)).text();
    expect(page).toContain('value="Maria &#60;Silva&#62;"');
    expect(page).toContain('value="maria@example.com"');
    expect(page).toContain('R$ 150,90');
    expect(await links.createLink(request('ci_pagarme_1'))).toEqual(link);
    expect(sim.simulator.orders.size).toBe(1);
  });

  it('pays into an order.paid webhook shaped like the documented one', async () => {
    const link = await links.createLink(request('ci_pagarme_paid'));
    const hook = sim.simulator.pay(link.gatewayReference);
    const documented = fixture('stores/pagarme/order-paid.json');
    expect(keys(hook)).toEqual(keys(documented));
    expect(keys(hook.data)).toEqual(keys(documented.data));
    // The published charge was cut before its customer (see the fixtures' README): ours may carry more.
    expect(keys(hook.data.charges[0])).toEqual(expect.arrayContaining(keys(documented.data.charges[0])));
    expect(keys(hook.data.charges[0].last_transaction)).toEqual(keys(documented.data.charges[0].last_transaction));
    expect(hook.data).toMatchObject({ id: link.gatewayReference, code: 'ci_pagarme_paid', amount: 15090, status: 'paid' });
  });

  it('accepts the documented checkout request and answers 422 in the documented envelope', async () => {
    const auth = { authorization: `Basic ${Buffer.from('sk_test_abc:').toString('base64')}`, 'content-type': 'application/json' };
    const ok = await fetch(`${sim.url}/core/v5/orders`, { method: 'POST', headers: auth, body: JSON.stringify(fixture('payments/pagarme-checkout-order-request.json')) });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { checkouts: object[] }).checkouts[0]).toMatchObject({ status: 'open', customer_editable: true, success_url: 'https://www.pagar.me' });
    const doc = fixture('payments/pagarme-checkout-order-request.json');
    doc.customer.name = '';
    const bad = await fetch(`${sim.url}/core/v5/orders`, { method: 'POST', headers: auth, body: JSON.stringify(doc) });
    expect(bad.status).toBe(422);
    expect(await bad.json()).toEqual(fixture('payments/pagarme-error-422.json'));
  });

  it('a wrong key is a final 401; 5xx and 429 are retryable', async () => {
    const wrong = await failure(new PagarmePaymentLinks('sk_test_wrong', { ...config, pagarmeApiUrl: sim.url }).createLink(request('ci_pagarme_2')));
    expect(wrong).toMatchObject({ status: 401, retryable: false });
    expect(wrong.message).toContain('Authorization has been denied');
    sim.simulator.failNext(503);
    expect(await failure(links.createLink(request('ci_pagarme_3')))).toMatchObject({ status: 503, retryable: true });
    sim.simulator.failNext(429);
    expect(await failure(links.createLink(request('ci_pagarme_3')))).toMatchObject({ status: 429, retryable: true });
    expect((await links.createLink(request('ci_pagarme_3'))).url).toContain('/pay/chk_');
  });
});

describe('Asaas payment links against the simulator', () => {
  let sim: RunningAsaasSimulator;
  let links: AsaasPaymentLinks;
  beforeAll(async () => {
    sim = await startAsaasSimulator({ apiKey: '$aact_test' });
    links = new AsaasPaymentLinks('$aact_test', { ...config, asaasApiUrl: sim.url });
  });
  afterAll(() => sim.close());

  it('creates an invoice whose page shows the customer, the same one on retry, one customer per e-mail', async () => {
    const link = await links.createLink(request('ci_asaas_1'));
    expect(link.url).toMatch(new RegExp(`^${sim.url}/i/\\d{12}$`));
    const page = await (await fetch(link.url)).text();
    expect(page).toContain('value="Maria &#60;Silva&#62;"');
    expect(page).toContain('value="maria@example.com"');
    expect(await links.createLink(request('ci_asaas_1'))).toEqual(link);
    await links.createLink(request('ci_asaas_2'));
    expect(sim.simulator.payments.size).toBe(2);
    expect(sim.simulator.customers.size).toBe(1);
    expect([...sim.simulator.customers.values()][0]).toMatchObject({ mobilePhone: '21987654321' });
  });

  it('pays into a PAYMENT_RECEIVED webhook shaped like the documented one', async () => {
    const link = await links.createLink(request('ci_asaas_paid'));
    const hook = sim.simulator.pay(link.gatewayReference);
    const documented = fixture('stores/asaas/payment-received.json');
    expect(keys(hook)).toEqual(keys(documented));
    const missing = keys(documented.payment).filter((k) => !(k in hook.payment));
    // Subscription, installment, card and split data belong to other kinds of payment.
    expect(missing).toEqual(['chargeback', 'creditCard', 'installment', 'split', 'subscription']);
    expect(hook.payment).toMatchObject({ id: link.gatewayReference, externalReference: 'ci_asaas_paid', status: 'RECEIVED', value: 150.9 });
  });

  it('accepts the documented payment request and answers 400 in the documented envelope', async () => {
    const headers = { access_token: '$aact_test', 'content-type': 'application/json' };
    const customer = [...sim.simulator.customers.keys()][0];
    const doc = { ...fixture('payments/asaas-create-payment-request.json'), customer, dueDate: '2999-07-21' };
    const ok = await fetch(`${sim.url}/v3/payments`, { method: 'POST', headers, body: JSON.stringify(doc) });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ object: 'payment', status: 'PENDING', billingType: 'BOLETO', value: 100 });
    const bad = await fetch(`${sim.url}/v3/payments`, { method: 'POST', headers, body: JSON.stringify({ ...doc, value: undefined }) });
    expect(bad.status).toBe(400);
    const documented = fixture('payments/asaas-error-400.json');
    const answer = (await bad.json()) as { errors: Array<{ code: string }> };
    expect(keys(answer)).toEqual(keys(documented));
    expect(keys(answer.errors[0])).toEqual(keys(documented.errors[0]));
    expect(answer.errors[0].code).toBe(documented.errors[0].code);
  });

  it('a wrong key is a final 401; a 4xx names the field; 5xx is retryable', async () => {
    const wrong = await failure(new AsaasPaymentLinks('$aact_wrong', { ...config, asaasApiUrl: sim.url }).createLink(request('ci_asaas_3')));
    expect(wrong).toMatchObject({ status: 401, retryable: false });
    expect(wrong.message).toContain('invalid_access_token');
    const past = await failure(links.createLink({ ...request('ci_asaas_4'), dueDate: '2000-01-01' }));
    expect(past).toMatchObject({ status: 400, retryable: false, field: 'dueDate' });
    sim.simulator.failNext(500);
    expect(await failure(links.createLink(request('ci_asaas_5')))).toMatchObject({ status: 500, retryable: true });
  });
});
