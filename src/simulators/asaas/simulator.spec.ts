import { fixture } from '../../stores/adapters/fixtures.spec-helper';
import { asaasAdapter } from '../../stores/adapters/asaas';
import { AsaasSimulator } from './simulator';

const KEY = '$aact_test';
const TOKEN = 'whsec-recado-asaas-0123456789abcdef';
const keys = (o: object) => Object.keys(o).sort();

function fakeEndpoint() {
  const calls: Array<{ url: string; headers: Record<string, string>; body: string }> = [];
  const fetch = (async (url: string, init: RequestInit) => {
    calls.push({ url, headers: init.headers as Record<string, string>, body: init.body as string });
    return new Response('ok', { status: 200 });
  }) as unknown as typeof globalThis.fetch;
  return { calls, fetch };
}

function setUp() {
  const endpoint = fakeEndpoint();
  const sim = new AsaasSimulator(KEY, { fetch: endpoint.fetch, webhookRetry: { initialDelayMs: 1, maxDelayMs: 2 } });
  const call = (method: string, path: string, body: unknown = undefined) => sim.handle(method, path, {}, KEY, body);
  const customer = (call('POST', '/v3/customers', { name: 'Maria Silva', email: 'maria@example.com' }).body as { id: string }).id;
  const payment = (call('POST', '/v3/payments', { customer, billingType: 'UNDEFINED', value: 150.9, dueDate: '2999-01-01', externalReference: 'ci_1' }).body as { id: string }).id;
  return { sim, endpoint, call, payment };
}

const webhook = (over: Record<string, unknown> = {}) => ({
  name: 'recado', url: 'http://recado.test/v1/webhooks/stores/asaas', email: 'ops@example.com', enabled: true, interrupted: false,
  apiVersion: 3, authToken: TOKEN, sendType: 'SEQUENTIALLY', events: ['PAYMENT_CONFIRMED', 'PAYMENT_RECEIVED'], ...over,
});

describe('Asaas simulator webhooks', () => {
  it('creates, lists and deletes a webhook as documented; the token is never answered', () => {
    const { call } = setUp();
    const created = call('POST', '/v3/webhooks', webhook());
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ name: 'recado', sendType: 'SEQUENTIALLY', enabled: true, interrupted: false, apiVersion: 3, hasAuthToken: true });
    expect(JSON.stringify(created.body)).not.toContain(TOKEN);
    const id = (created.body as { id: string }).id;
    expect(call('GET', '/v3/webhooks').body).toMatchObject({ object: 'list', totalCount: 1, data: [{ id }] });
    expect(call('DELETE', `/v3/webhooks/${id}`).body).toEqual({ deleted: true, id });
    expect(call('DELETE', `/v3/webhooks/${id}`).status).toBe(404);
    expect(call('GET', '/v3/webhooks').body).toMatchObject({ totalCount: 0 });
  });

  it.each([
    ['url', { url: 'not a url' }, 'invalid_url'],
    ['email', { email: 'nope' }, 'invalid_email'],
    ['sendType', { sendType: 'SOMETIMES' }, 'invalid_sendType'],
    ['authToken', { authToken: 'short' }, 'invalid_authToken'],
    ['events', { events: [] }, 'invalid_events'],
    ['an unknown event', { events: ['PAYMENT_TELEPORTED'] }, 'invalid_events'],
    ['name', { name: '' }, 'invalid_name'],
  ])('refuses a bad %s in the {errors:[{code,description}]} envelope', (_what, over, code) => {
    const { call } = setUp();
    const answer = call('POST', '/v3/webhooks', webhook(over));
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ errors: [{ code, description: expect.any(String) }] });
  });

  it('refuses an 11th webhook', () => {
    const { call } = setUp();
    for (let i = 0; i < 10; i++) expect(call('POST', '/v3/webhooks', webhook()).status).toBe(200);
    expect(call('POST', '/v3/webhooks', webhook()).body).toMatchObject({ errors: [{ code: 'invalid_action' }] });
  });

  it('paying sends PAYMENT_CONFIRMED then PAYMENT_RECEIVED, once, to the enabled webhooks subscribed to them', async () => {
    const { sim, endpoint, call, payment } = setUp();
    call('POST', '/v3/webhooks', webhook());
    call('POST', '/v3/webhooks', webhook({ url: 'http://disabled.test/', enabled: false }));
    call('POST', '/v3/webhooks', webhook({ url: 'http://created-only.test/', events: ['PAYMENT_CREATED'] }));
    call('POST', '/v3/webhooks', webhook({ url: 'http://no-token.test/', authToken: null, events: ['PAYMENT_RECEIVED'] }));

    const first = sim.receivePayment(payment);
    expect(first.alreadyPaid).toBe(false);
    expect(first.events.map((e) => e.event)).toEqual(['PAYMENT_CONFIRMED', 'PAYMENT_RECEIVED']);
    expect(sim.receivePayment(payment)).toEqual({ alreadyPaid: true, events: first.events });
    await sim.webhooks.sender.idle();

    // In order per webhook; webhooks do not wait for one another.
    const sentTo = (url: string) => endpoint.calls.filter((c) => c.url === url).map((c) => [JSON.parse(c.body).event, c.headers['asaas-access-token']]);
    expect(sentTo('http://recado.test/v1/webhooks/stores/asaas')).toEqual([['PAYMENT_CONFIRMED', TOKEN], ['PAYMENT_RECEIVED', TOKEN]]);
    expect(sentTo('http://no-token.test/')).toEqual([['PAYMENT_RECEIVED', undefined]]);
    expect(endpoint.calls).toHaveLength(3);
    expect(new Set(first.events.map((e) => e.id)).size).toBe(2);
    expect(sim.webhooks.deliveries().every((d) => d.status === 'delivered')).toBe(true);
  });

  it('SEQUENTIALLY: one queue per webhook; NON_SEQUENTIALLY: one per event', async () => {
    const { sim, call, payment } = setUp();
    const sequential = (call('POST', '/v3/webhooks', webhook()).body as { id: string }).id;
    call('POST', '/v3/webhooks', webhook({ url: 'http://fast.test/', sendType: 'NON_SEQUENTIALLY' }));
    sim.receivePayment(payment);
    await sim.webhooks.sender.idle();
    const queues = (url: string) => new Set(sim.webhooks.deliveries().filter((d) => d.url === url).map((d) => d.orderingKey));
    expect(queues('http://recado.test/v1/webhooks/stores/asaas')).toEqual(new Set([sequential]));
    expect(queues('http://fast.test/').size).toBe(2);
  });

  it('each event is shaped like the documented one and reads as order_paid of the payment', () => {
    const { sim, payment } = setUp();
    const [confirmed, received] = sim.receivePayment(payment).events;
    const documented = JSON.parse(fixture('asaas', 'payment-confirmed-boleto.json'));
    for (const event of [confirmed, received]) {
      expect(keys(event)).toEqual(keys(documented));
      expect(event.id).toMatch(/^evt_[0-9a-f]{32}&\d{9}$/);
      expect(event.dateCreated).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      expect(keys(event.payment)).toEqual(expect.arrayContaining(keys(documented.payment)));
      const read = asaasAdapter.parse(JSON.stringify(event), {});
      expect(read.events).toMatchObject([{ type: 'order_paid', orderId: payment, platformEventId: event.id, amount: { amountMinor: '15090', currency: 'BRL' } }]);
    }
    expect([confirmed.payment.status, received.payment.status]).toEqual(['CONFIRMED', 'RECEIVED']);
    expect(sim.pay(payment)).toBe(received);
  });
});
