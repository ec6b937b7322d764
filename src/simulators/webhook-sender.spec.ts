import { WebhookSender } from './webhook-sender';

/** A fake endpoint: answers each POST with the next scripted status (200 once the script runs out). */
function fakeEndpoint(script: number[] = []) {
  const calls: Array<{ url: string; headers: Record<string, string>; body: string }> = [];
  const fetch = (async (url: string, init: RequestInit) => {
    calls.push({ url, headers: init.headers as Record<string, string>, body: init.body as string });
    return new Response('ok', { status: script.shift() ?? 200 });
  }) as unknown as typeof globalThis.fetch;
  return { calls, fetch };
}

const quickRetry = { initialDelayMs: 1, maxDelayMs: 4, maxAttempts: 4 };

describe('WebhookSender', () => {
  it('sends each ordering key in order, with the target headers, and logs the answer', async () => {
    const endpoint = fakeEndpoint([500]);
    const sender = new WebhookSender({ fetch: endpoint.fetch, retry: quickRetry });
    const target = () => ({ url: 'http://receiver.test/hooks', headers: { 'asaas-access-token': 'tok' } });
    sender.enqueue({ orderingKey: 'w1', kind: 'PAYMENT_CONFIRMED', payload: { n: 1 }, target });
    sender.enqueue({ orderingKey: 'w1', kind: 'PAYMENT_RECEIVED', payload: { n: 2 }, target });
    await sender.idle();

    // The first one failed once and was retried before the second went out.
    expect(endpoint.calls.map((c) => JSON.parse(c.body).n)).toEqual([1, 1, 2]);
    expect(endpoint.calls[0].headers).toMatchObject({ 'Content-Type': 'application/json', 'asaas-access-token': 'tok' });
    expect(sender.deliveries().map((d) => [d.kind, d.status, d.attempts, d.lastStatusCode, d.url])).toEqual([
      ['PAYMENT_CONFIRMED', 'delivered', 2, 200, 'http://receiver.test/hooks'],
      ['PAYMENT_RECEIVED', 'delivered', 1, 200, 'http://receiver.test/hooks'],
    ]);
  });

  it('gives up after the bounded number of attempts and goes on with the next', async () => {
    const endpoint = fakeEndpoint([503, 503, 503, 503]);
    const sender = new WebhookSender({ fetch: endpoint.fetch, retry: quickRetry });
    const target = () => ({ url: 'http://receiver.test/hooks', headers: {} });
    sender.enqueue({ orderingKey: 'k', kind: 'a', payload: {}, target });
    sender.enqueue({ orderingKey: 'k', kind: 'b', payload: {}, target });
    await sender.idle();
    expect(sender.deliveries().map((d) => [d.kind, d.status, d.attempts, d.lastError])).toEqual([
      ['a', 'failed', 4, 'HTTP 503'],
      ['b', 'delivered', 1, undefined],
    ]);
  });

  it('counts only what `accepts` accepts as delivered (Asaas: 200 alone)', async () => {
    const endpoint = fakeEndpoint([201, 204]);
    const sender = new WebhookSender({ fetch: endpoint.fetch, retry: quickRetry, accepts: (status) => status === 200 });
    sender.enqueue({ orderingKey: 'k', kind: 'a', payload: {}, target: () => ({ url: 'http://receiver.test/hooks', headers: {} }) });
    await sender.idle();
    expect(sender.deliveries()[0]).toMatchObject({ status: 'delivered', attempts: 3, lastStatusCode: 200 });
  });

  it('skips a webhook with nowhere to go, and signs the exact body it sends', async () => {
    const endpoint = fakeEndpoint();
    const sender = new WebhookSender({ fetch: endpoint.fetch, retry: quickRetry });
    sender.enqueue({ orderingKey: 'k', kind: 'a', payload: { x: 1 }, target: () => null });
    sender.enqueue({ orderingKey: 'k', kind: 'b', payload: { x: 2 }, target: (body) => ({ url: 'http://receiver.test/hooks', headers: { 'x-body-length': String(body.length) } }) });
    await sender.idle();
    expect(sender.deliveries().map((d) => d.status)).toEqual(['skipped', 'delivered']);
    expect(endpoint.calls).toHaveLength(1);
    expect(endpoint.calls[0].headers['x-body-length']).toBe(String(endpoint.calls[0].body.length));
  });
});
