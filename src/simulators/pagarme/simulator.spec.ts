import { fixture } from '../../stores/adapters/fixtures.spec-helper';
import { pagarmeAdapter } from '../../stores/adapters/pagarme';
import { PagarmeSimulator } from './simulator';
import { SimControlError } from './webhooks';

const KEY = 'sk_test_abc';
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
  const sim = new PagarmeSimulator(KEY, { fetch: endpoint.fetch, webhookRetry: { initialDelayMs: 1, maxDelayMs: 2 } });
  const order = sim.createOrder(`Basic ${Buffer.from(`${KEY}:`).toString('base64')}`, undefined, {
    code: 'ci_1',
    items: [{ amount: 15090, description: 'Plano anual', quantity: 1 }],
    customer: { name: 'Maria Silva', email: 'maria@example.com', type: 'individual' },
    payments: [{ payment_method: 'checkout', checkout: { accepted_payment_methods: ['credit_card', 'pix'] } }],
  });
  return { sim, endpoint, orderId: (order.body as { id: string }).id };
}

describe('Pagar.me simulator webhooks', () => {
  it('takes the dashboard configuration; lists it without the password', () => {
    const { sim } = setUp();
    const config = sim.webhooks.configure({ url: 'http://recado.test/hooks', basic_auth_user: 'recado', basic_auth_password: 's3cret' });
    expect(config).toMatchObject({ id: expect.stringMatching(/^wh_/), url: 'http://recado.test/hooks', basic_auth_user: 'recado', has_basic_auth_password: true });
    expect(JSON.stringify(sim.webhooks.list())).not.toContain('s3cret');
    expect(sim.webhooks.remove(config.id)).toBe(true);
    expect(sim.webhooks.list()).toEqual({ data: [] });
  });

  it.each([
    [{ url: 'ftp://x' }, /url/],
    [{}, /url/],
    [{ url: 'http://x.test', basic_auth_password: 'p' }, /basic_auth_user/],
    [{ url: 'http://x.test', basic_auth_user: 7 }, /basic_auth_user/],
  ])('refuses %j, naming the field', (body, message) => {
    const { sim } = setUp();
    expect(() => sim.webhooks.configure(body)).toThrow(SimControlError);
    expect(() => sim.webhooks.configure(body)).toThrow(message);
  });

  it('paying sends order.paid then charge.paid, once, with the basic credentials', async () => {
    const { sim, endpoint, orderId } = setUp();
    sim.webhooks.configure({ url: 'http://recado.test/hooks', basic_auth_user: 'recado', basic_auth_password: 's3cret' });
    sim.webhooks.configure({ url: 'http://open.test/hooks' });
    const first = sim.receivePayment(orderId);
    expect(first.hooks.map((h) => h.type)).toEqual(['order.paid', 'charge.paid']);
    expect(sim.receivePayment(orderId)).toEqual({ alreadyPaid: true, hooks: first.hooks });
    await sim.webhooks.sender.idle();

    const sentTo = (url: string) => endpoint.calls.filter((c) => c.url === url).map((c) => [JSON.parse(c.body).type, c.headers.Authorization]);
    const basic = `Basic ${Buffer.from('recado:s3cret').toString('base64')}`;
    expect(sentTo('http://recado.test/hooks')).toEqual([['order.paid', basic], ['charge.paid', basic]]);
    expect(sentTo('http://open.test/hooks')).toEqual([['order.paid', undefined], ['charge.paid', undefined]]);
    expect(new Set(first.hooks.map((h) => h.id)).size).toBe(2);
  });

  it('the hooks are shaped like the documented ones and read as order_paid of the or_ order', () => {
    const { sim, orderId } = setUp();
    const [orderPaid, chargePaid] = sim.receivePayment(orderId).hooks;
    const documentedOrder = JSON.parse(fixture('pagarme', 'order-paid.json'));
    const documentedCharge = JSON.parse(fixture('pagarme', 'stone-connect-charge-paid.json'));
    expect(keys(orderPaid)).toEqual(keys(documentedOrder));
    expect(keys(orderPaid.data)).toEqual(keys(documentedOrder.data));
    expect(keys(chargePaid)).toEqual(keys(documentedCharge));
    expect(keys(chargePaid.data)).toEqual(expect.arrayContaining(keys(documentedCharge.data)));
    expect(keys(chargePaid.data.order)).toEqual(keys(documentedCharge.data.order));
    for (const hook of [orderPaid, chargePaid]) {
      expect(hook.id).toMatch(/^hook_\w{16}$/);
      const raw = JSON.stringify(hook);
      expect(pagarmeAdapter.parse(raw, {}).events).toMatchObject([{ type: 'order_paid', orderId, platformEventId: hook.id, amount: { amountMinor: '15090', currency: 'BRL' } }]);
    }
    expect(sim.pay(orderId)).toBe(orderPaid);
  });
});
